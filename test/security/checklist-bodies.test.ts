/**
 * Security checklist items 16, 17, 19, 20, 21 and 24: what the proxy does with hostile or failing
 * origin bodies. A body that cannot be delivered whole must reach the client as a cut-off
 * response (never a clean, silently short or padded 200); codings it cannot decode pass through
 * byte for byte; timeouts and slow readers stay bounded. Bodies and resets run on Node and on
 * workerd; timeouts, backpressure and cancellation on the Node adapter.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { encodeBody } from '../helpers/http-bodies.ts';
import {
  describeRuntimes,
  ORIGIN,
  sleep,
  startNodeProxy,
  waitFor,
  within,
  wireRequest,
  type NodeProxy,
} from './harness.ts';

/** The shared configuration's `max_decoded_body_bytes`. */
const CAP = 4 * 1024 * 1024;
/** Decodes to 8× the cap: compressed, a few dozen kilobytes. */
const BOMB_SIZE = 32 * 1024 * 1024;
const bombs: Record<string, Buffer> = (() => {
  const plain = Buffer.alloc(BOMB_SIZE, 'a');
  return {
    gzip: zlib.gzipSync(plain, { level: 1 }),
    deflate: zlib.deflateSync(plain, { level: 1 }),
    br: zlib.brotliCompressSync(plain, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
  };
})();

const PAGE = Buffer.from(
  `<html><head></head><body>${`<p><a href="${ORIGIN}/x">link</a> filler text</p>`.repeat(2000)}</body></html>`,
);
/** Bytes that are not what their (undecodable) Content-Encoding says: only passing them on is right. */
const OPAQUE = randomBytes(20000);
const ERROR_TEXT = /bad gateway|internal error|gateway timeout|error|exception|stack/i;

function bodiesOrigin(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', ORIGIN);
  const coding = url.searchParams.get('coding') ?? 'identity';
  const html = { 'content-type': 'text/html; charset=utf-8' };
  switch (url.pathname) {
    case '/bomb':
      res.writeHead(200, { ...html, 'content-encoding': coding });
      return res.end(bombs[coding]);
    case '/stacked': {
      const stacked = url.searchParams.get('ce') ?? '';
      const body = stacked.startsWith('gzip, gzip') ? zlib.gzipSync(zlib.gzipSync(PAGE)) : OPAQUE;
      res.writeHead(200, {
        ...html,
        'content-encoding': stacked,
        'content-length': body.byteLength,
      });
      return res.end(body);
    }
    case '/truncated': {
      const full = encodeBody(coding, PAGE);
      res.writeHead(200, { ...html, 'content-encoding': coding });
      return res.end(full.subarray(0, Math.floor(full.byteLength * 0.6)));
    }
    case '/reset-mid-body': {
      const full = encodeBody(coding, PAGE);
      res.writeHead(200, {
        ...html,
        ...(coding === 'identity' ? {} : { 'content-encoding': coding }),
        ...(url.searchParams.has('cl') ? { 'content-length': full.byteLength } : {}),
      });
      res.write(full.subarray(0, Math.floor(full.byteLength / 2)));
      return void setTimeout(() => res.socket?.destroy(), 30);
    }
    case '/reset-before-headers':
      return void req.socket.destroy();
    case '/ok':
      res.writeHead(200, html);
      return res.end(PAGE);
  }
  res.writeHead(404);
  res.end();
}

describeRuntimes(
  'checklist 16, 17, 19, 20: hostile and failing origin bodies',
  bodiesOrigin,
  (test) => {
    for (const coding of ['gzip', 'deflate', 'br']) {
      for (const client of ['identity', 'br']) {
        test(`16: a ${coding} bomb (${BOMB_SIZE >> 20} MiB decoded, cap ${CAP >> 20} MiB) is cut off, client ${client}`, async (r) => {
          const got = await wireRequest(`${r.url}/bomb?coding=${coding}`, {
            headers: client === 'identity' ? {} : { 'accept-encoding': client },
          });
          assert.notEqual(got.outcome, 'timeout', 'the proxy neither finished nor aborted');
          if (got.status === 200) {
            assert.equal(got.outcome, 'aborted', `a clean 200 of ${got.body.byteLength} bytes`);
          } else {
            assert.equal(got.status, 502);
          }
          if (client === 'identity') {
            assert.ok(
              got.body.byteLength <= CAP + 1024 * 1024,
              `${got.body.byteLength} decoded bytes delivered past a ${CAP}-byte cap`,
            );
          }
          const next = await wireRequest(`${r.url}/ok`);
          assert.equal(next.outcome, 'complete', 'the proxy did not survive the bomb');
        });
      }
    }

    for (const stacked of [
      'gzip, gzip',
      'gzip, gzip, gzip, gzip, gzip, gzip',
      'zstd',
      'compress',
      'x-custom',
      'br, gzip',
    ]) {
      test(`17: Content-Encoding "${stacked}" passes through byte for byte, header kept`, async (r) => {
        const got = await wireRequest(`${r.url}/stacked?ce=${encodeURIComponent(stacked)}`, {
          headers: { 'accept-encoding': 'gzip, br' },
        });
        assert.equal(got.status, 200);
        assert.equal(got.outcome, 'complete');
        assert.equal(got.headers['content-encoding'], stacked);
        const expected = stacked.startsWith('gzip, gzip')
          ? zlib.gzipSync(zlib.gzipSync(PAGE)).byteLength
          : OPAQUE.byteLength;
        assert.equal(got.body.byteLength, expected);
        if (!stacked.startsWith('gzip, gzip')) assert.ok(got.body.equals(OPAQUE));
      });
    }

    for (const coding of ['gzip', 'deflate', 'br']) {
      test(`19: ${coding} cut at 60 % → the client response is cut off too, not ended cleanly`, async (r) => {
        const got = await wireRequest(`${r.url}/truncated?coding=${coding}`);
        assert.equal(got.outcome, 'aborted', `ended cleanly after ${got.body.byteLength} bytes`);
        assert.ok(!got.body.toString().includes('</html>'));
        assert.equal((await wireRequest(`${r.url}/ok`)).outcome, 'complete');
      });
    }

    for (const [coding, query] of [
      ['identity', ''],
      ['identity', '&cl'],
      ['gzip', ''],
    ] as const) {
      test(`20: an origin reset mid-body aborts the client response (${coding}${query ? ', Content-Length' : ''}), no error text appended`, async (r) => {
        const got = await wireRequest(`${r.url}/reset-mid-body?coding=${coding}${query}`);
        assert.equal(got.status, 200);
        assert.equal(got.outcome, 'aborted', `ended cleanly after ${got.body.byteLength} bytes`);
        assert.doesNotMatch(got.body.toString('latin1'), ERROR_TEXT);
      });
    }

    test('20: an origin reset before its headers → 502 with exactly the generic body', async (r) => {
      const got = await wireRequest(`${r.url}/reset-before-headers`);
      assert.equal(got.status, 502);
      assert.equal(got.body.toString(), 'Bad gateway\n');
    });
  },
);

/** An HTML piece of `size` bytes that brotli cannot shrink much (random base64 text). */
const noisyPiece = (size: number) =>
  Buffer.from(`<p>${randomBytes((size * 3) / 4).toString('base64')}</p>`);

describe('checklist 21, 24: timeouts, slow readers and cancellation (Node adapter)', () => {
  const TIMEOUT = 400;
  let server: NodeProxy;
  let written = 0;
  let originClosed = Promise.resolve();

  before(async () => {
    server = await startNodeProxy(
      (req, res) => {
        const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
        originClosed = closed;
        if (req.url === '/slow-first-byte') {
          const timer = setTimeout(() => res.end('too late'), 10000);
          return void res.once('close', () => clearTimeout(timer));
        }
        res.writeHead(200, { 'content-type': 'text/html' });
        if (req.url === '/stall') return void res.write('<html><head></head><body>started');
        // /stream: 48 MiB of distinct HTML, written only as fast as it is taken.
        written = 0;
        const pump = () => {
          while (written < 48 * 1024 * 1024 && !res.destroyed) {
            const piece = noisyPiece(64 * 1024);
            written += piece.byteLength;
            if (!res.write(piece)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      },
      {
        proxyToml: `first_byte_timeout_ms = ${TIMEOUT}\nbetween_bytes_timeout_ms = ${TIMEOUT}\n`,
      },
    );
  });
  after(async () => {
    await server.close();
  });

  it('21: an origin slow to its first byte → 504 at the configured timeout, generic body, origin cancelled', async () => {
    const started = performance.now();
    const got = await wireRequest(`${server.url}/slow-first-byte`);
    const elapsed = performance.now() - started;
    assert.equal(got.status, 504);
    assert.equal(got.body.toString(), 'Gateway timeout\n');
    assert.ok(elapsed >= TIMEOUT * 0.9, `504 after only ${Math.round(elapsed)} ms`);
    // undici's coarse timers fire up to ~1 s late (a 400 ms timeout answers at ~1 s).
    assert.ok(elapsed < TIMEOUT + 5000, `504 only after ${Math.round(elapsed)} ms`);
    await within(originClosed, 3000, 'the origin request outlived the 504');
  });

  it('21: an origin that stalls mid-body → the client response is cut off after between_bytes_timeout_ms', async () => {
    const started = performance.now();
    const got = await wireRequest(`${server.url}/stall`);
    assert.equal(got.status, 200);
    assert.equal(got.outcome, 'aborted');
    assert.ok(performance.now() - started < TIMEOUT + 5000);
    assert.doesNotMatch(got.body.toString(), ERROR_TEXT);
  });

  it('24: a client that reads slowly holds the origin back, through decode-rewrite-encode (br)', async () => {
    const req = http.get(`${server.url}/stream`, {
      headers: { 'accept-encoding': 'br' },
      agent: false,
    });
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    assert.equal(res.headers['content-encoding'], 'br');
    // Read 16 KiB every 20 ms (~800 KB/s): far slower than the origin can write.
    let read = 0;
    res.pause();
    const deadline = performance.now() + 1500;
    let maxAhead = 0;
    while (performance.now() < deadline) {
      const chunk = res.read(16 * 1024) as Buffer | null;
      read += chunk?.byteLength ?? 0;
      maxAhead = Math.max(maxAhead, written);
      await sleep(20);
    }
    // Loopback socket buffers on two connections hold several MiB; the proxy must not add
    // the rest of a 48 MiB page on top of them.
    assert.ok(read > 0, 'nothing was delivered');
    assert.ok(maxAhead < 24 * 1024 * 1024, `origin wrote ${maxAhead} bytes; client read ${read}`);
    res.destroy();
    await within(originClosed, 3000, 'client abort did not cancel the origin request');
  });

  it('24: a client that disconnects mid-stream cancels the origin request and is logged as aborted', async () => {
    const req = http.get(`${server.url}/stream?abort`, { agent: false });
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    await once(res, 'data');
    res.destroy();
    await within(originClosed, 3000, 'client abort did not cancel the origin request');
    await waitFor(
      () =>
        server.logs.some(
          (line) => line.includes('"path":"/stream"') && line.includes('"aborted":true'),
        ),
      2000,
      'no aborted access-log line',
    );
  });
});
