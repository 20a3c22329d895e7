/**
 * The Node body fast path: Node Readables behind web streams (node-bodies.ts), and
 * `nodeCodecs.transcode`, the fused decode → rewrite → encode pipeline. End-to-end behaviour
 * (truncation, bombs, client abort, backpressure) is covered over sockets in
 * publisher-rewrite.test.ts; these pin the pieces down one by one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { ByteSinkFactory } from '../src/core/byte-sink.ts';
import type { BodyPlan } from '../src/core/services.ts';
import { nodeCodecs } from '../src/node/codecs.ts';
import { claimNodeBody, webBodyOf } from '../src/node/node-bodies.ts';

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

/** Upper-cases ASCII; with `delay`, every write waits on a timer first (an async handler). */
function upperCaseSink(delay = false): ByteSinkFactory {
  return (emit) => {
    const run = (chunk: Uint8Array) =>
      emit(Buffer.from(Buffer.from(chunk).toString('latin1').toUpperCase(), 'latin1'));
    return {
      write: (chunk) =>
        delay ? new Promise((resolve) => setTimeout(() => resolve(run(chunk)), 1)) : run(chunk),
      end: () => emit(Buffer.from('|end')),
    };
  };
}

function transcode(body: ReadableStream<Uint8Array>, plan: BodyPlan): ReadableStream<Uint8Array> {
  assert.ok(nodeCodecs.transcode, 'the Node codecs offer transcode');
  return nodeCodecs.transcode(body, plan);
}

describe('Node bodies behind web streams', () => {
  it('reads through the web side, one chunk ahead at most', async () => {
    const source = new PassThrough();
    const web = webBodyOf(source);
    const reader = web.getReader();
    source.write('a'.repeat(1000));
    source.write('b'.repeat(1000));
    const first = await reader.read();
    assert.equal(Buffer.from(first.value ?? []).toString(), 'a'.repeat(1000));
    // Nothing was pulled for: the rest stays in the Node stream, which is paused.
    assert.equal(source.isPaused(), true);
    source.end('c');
    const rest: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest.push(Buffer.from(value).toString());
    }
    assert.equal(rest.join(''), `${'b'.repeat(1000)}c`);
  });

  it('hands the Readable back until the web side is read, and only once', async () => {
    const source = Readable.from([Buffer.from('x')]);
    const web = webBodyOf(source);
    assert.equal(claimNodeBody(web), source);
    assert.equal(claimNodeBody(web), undefined, 'a second claim');
    await assert.rejects(readAll(web), /taken over by the Node adapter/);

    const read = webBodyOf(Readable.from([Buffer.from('y')]));
    assert.equal((await readAll(read)).toString(), 'y');
    assert.equal(claimNodeBody(read), undefined, 'claim after a web read');
    assert.equal(claimNodeBody(new ReadableStream()), undefined, 'a plain web stream');
  });

  it('keeps an error met before anyone reads, for the web reader and for the claimer', async () => {
    const failing = new PassThrough();
    const web = webBodyOf(failing);
    failing.destroy(new Error('origin reset'));
    await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(readAll(web), /origin reset/);

    const claimed = new PassThrough();
    const other = webBodyOf(claimed);
    claimed.destroy(new Error('reset again'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.match(String(claimNodeBody(other)?.errored), /reset again/);
  });

  it('a web reader that cancels destroys the Readable', async () => {
    const source = new PassThrough();
    const web = webBodyOf(source);
    const reader = web.getReader();
    source.write('x');
    await reader.read();
    await reader.cancel(new Error('client went away'));
    assert.equal(source.destroyed, true);
  });
});

describe('nodeCodecs.transcode', () => {
  const page = Buffer.from('<p>hello, world</p>'.repeat(5000));

  for (const [coding, encode] of [
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
  ] as const) {
    it(`decodes ${coding}, rewrites, and encodes gzip and br`, async () => {
      for (const out of ['gzip', 'br'] as const) {
        const body = webBodyOf(Readable.from([encode(page)]));
        const result = await readAll(
          transcode(body, {
            decode: { coding, maxDecodedBytes: 1 << 30 },
            rewrite: upperCaseSink(),
            encode: { coding: out, level: 3 },
          }),
        );
        const decoded =
          out === 'gzip' ? zlib.gunzipSync(result) : zlib.brotliDecompressSync(result);
        assert.equal(decoded.toString(), `${page.toString().toUpperCase()}|end`);
      }
    });
  }

  it('reads a plain web stream too, and waits for an async sink in order', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => `chunk ${i};`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(Buffer.from(chunk));
        controller.close();
      },
    });
    const result = await readAll(transcode(body, { rewrite: upperCaseSink(true) }));
    assert.equal(result.toString(), `${chunks.join('').toUpperCase()}|end`);
  });

  it('flushes the encoder per rewritten chunk: a client decodes each before the origin goes on', async () => {
    const origin = new PassThrough();
    const output = transcode(webBodyOf(origin), {
      rewrite: upperCaseSink(),
      encode: { coding: 'gzip', level: 3 },
    });
    const decoder = zlib.createGunzip();
    const seen: string[] = [];
    decoder.on('data', (data: Buffer) => seen.push(data.toString()));
    const pump = (async () => {
      for await (const part of output) decoder.write(part);
      decoder.end();
    })();
    origin.write('first piece ');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(
      seen.join(''),
      'FIRST PIECE ',
      'the first piece is decodable while the origin waits',
    );
    origin.end('second');
    await pump;
    await new Promise((resolve) => decoder.once('end', resolve));
    assert.equal(seen.join(''), 'FIRST PIECE SECOND|end');
  });

  it('sends the start of a large first chunk before rewriting the rest of it', async () => {
    const page = Buffer.from('<p>x</p>'.repeat(16 * 1024)); // 128 KiB in one chunk
    for (const encode of [undefined, { coding: 'gzip', level: 3 } as const]) {
      const events: string[] = [];
      const recording: ByteSinkFactory = (emit) => {
        const inner = upperCaseSink()(emit);
        return {
          write: (chunk) => {
            events.push(`rewrite ${chunk.byteLength}`);
            return inner.write(chunk);
          },
          end: () => inner.end(),
        };
      };
      const output = transcode(webBodyOf(Readable.from([page])), {
        rewrite: recording,
        ...(encode ? { encode } : {}),
      });
      const parts: Uint8Array[] = [];
      for await (const part of output) {
        if (parts.length === 0) events.push('client reads');
        parts.push(part);
      }
      const label = encode ? 'gzip' : 'identity';
      assert.deepEqual(
        events,
        ['rewrite 4096', 'client reads', `rewrite ${page.byteLength - 4096}`],
        `${label}: the client has the page's start while the rest is rewritten`,
      );
      const body = Buffer.concat(parts);
      const text = (encode ? zlib.gunzipSync(body) : body).toString();
      assert.equal(text, `${page.toString().toUpperCase()}|end`, `${label}: every byte, in order`);
    }
  });

  it('joins a chunk’s pieces for the encoder without mixing up pages compressed at the same time', async () => {
    // Each rewritten chunk arrives in three pieces, so it is joined into a (reused) staging buffer.
    const threePieces: ByteSinkFactory = (emit) => ({
      write: (chunk) => {
        const third = Math.floor(chunk.byteLength / 3);
        emit(chunk.slice(0, third));
        emit(chunk.slice(third, 2 * third));
        emit(chunk.slice(2 * third));
      },
      end: () => {},
    });
    const pages = Array.from({ length: 12 }, (_, i) =>
      Buffer.from(`<p>page ${i} `.repeat(4000 + 500 * i)),
    );
    const outputs = pages.map((page, i) => {
      const origin = new PassThrough();
      // Chunks of different sizes, written in turns, so encoders of all pages are busy at once.
      void (async () => {
        for (let at = 0; at < page.byteLength; at += 20000 + 700 * i) {
          origin.write(page.subarray(at, at + 20000 + 700 * i));
          await new Promise((resolve) => setImmediate(resolve));
        }
        origin.end();
      })();
      return readAll(
        transcode(webBodyOf(origin), {
          rewrite: threePieces,
          encode: { coding: i % 2 ? 'br' : 'gzip', level: 3 },
        }),
      );
    });
    for (const [i, output] of (await Promise.all(outputs)).entries()) {
      const decoded = i % 2 ? zlib.brotliDecompressSync(output) : zlib.gunzipSync(output);
      assert.ok(decoded.equals(pages[i] as Buffer), `page ${i} comes out as it went in`);
    }
  });

  it('errors, never ends cleanly, on truncated gzip, past the decoded cap, and when the sink throws', async () => {
    const gz = zlib.gzipSync(page);
    const truncated = webBodyOf(Readable.from([gz.subarray(0, gz.byteLength - 10)]));
    await assert.rejects(
      readAll(
        transcode(truncated, {
          decode: { coding: 'gzip', maxDecodedBytes: 1 << 30 },
          rewrite: upperCaseSink(),
        }),
      ),
      /unexpected end of file/,
    );

    const bomb = webBodyOf(Readable.from([zlib.gzipSync(Buffer.alloc(10_000_000))]));
    await assert.rejects(
      readAll(
        transcode(bomb, {
          decode: { coding: 'gzip', maxDecodedBytes: 1_000_000 },
          rewrite: upperCaseSink(),
          encode: { coding: 'gzip', level: 3 },
        }),
      ),
      /decoded body exceeds 1000000 bytes/,
    );

    const throwing: ByteSinkFactory = () => ({
      write: () => {
        throw new Error('handler failed');
      },
      end: () => {},
    });
    await assert.rejects(
      readAll(transcode(webBodyOf(Readable.from([page])), { rewrite: throwing })),
      /handler failed/,
    );
  });

  it('an origin failing mid-body errors the output and tears the pipeline down', async () => {
    const origin = new PassThrough();
    const output = transcode(webBodyOf(origin), {
      rewrite: upperCaseSink(),
      encode: { coding: 'gzip', level: 3 },
    });
    origin.write('some bytes');
    setTimeout(() => origin.destroy(new Error('origin reset')), 20);
    await assert.rejects(readAll(output), /origin reset/);

    // Closed early with no error at all: still an error downstream, never a clean (short) end.
    const quiet = new PassThrough();
    const cut = transcode(webBodyOf(quiet), {
      decode: { coding: 'gzip', maxDecodedBytes: 1 << 20 },
      rewrite: upperCaseSink(),
      encode: { coding: 'br', level: 2 },
    });
    quiet.write(zlib.gzipSync(Buffer.from('x'.repeat(100000))).subarray(0, 60));
    setTimeout(() => quiet.destroy(), 20);
    await assert.rejects(readAll(cut), /closed before its end/);
  });

  it('a consumer that cancels destroys the origin stream', async () => {
    const origin = new PassThrough();
    const output = transcode(webBodyOf(origin), { rewrite: upperCaseSink() });
    const reader = output.getReader();
    origin.write('x');
    await reader.read();
    await reader.cancel(new Error('client went away'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(origin.destroyed, true);

    // A cancel with no reason tears the origin down too.
    const other = new PassThrough();
    const silent = transcode(webBodyOf(other), {
      rewrite: upperCaseSink(),
      encode: { coding: 'gzip', level: 3 },
    }).getReader();
    other.write('x');
    await silent.read();
    await silent.cancel();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(other.destroyed, true);
  });
});

describe('nodeCodecs.decode and encode (the same pipeline, nothing rewritten)', () => {
  it('round-trip a page through encode then decode, as web stream stages', async () => {
    const page = Buffer.from('<p>round trip</p>'.repeat(4000));
    for (const coding of ['gzip', 'br'] as const) {
      const out = await readAll(
        webBodyOf(Readable.from([page.subarray(0, 1000), page.subarray(1000)]))
          .pipeThrough(nodeCodecs.encode(coding, 3))
          .pipeThrough(nodeCodecs.decode(coding, 1 << 30)),
      );
      assert.deepEqual(out, page);
    }
  });

  it('decode errors on truncated input and past its cap', async () => {
    const gz = zlib.gzipSync(Buffer.alloc(100_000));
    await assert.rejects(
      readAll(
        webBodyOf(Readable.from([gz.subarray(0, 50)])).pipeThrough(nodeCodecs.decode('gzip', 1e9)),
      ),
      /unexpected end of file/,
    );
    await assert.rejects(
      readAll(webBodyOf(Readable.from([gz])).pipeThrough(nodeCodecs.decode('gzip', 10_000))),
      /decoded body exceeds 10000 bytes/,
    );
  });
});
