import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { classifyResponse, restrictAcceptEncoding } from '../src/core/proxy/classify.ts';
import { cspNonce } from '../src/core/proxy/html-rules.ts';
import { OriginMatcher } from '../src/core/rewrite/origin-urls.ts';
import { byteSinkStream } from '../src/core/byte-sink.ts';
import { byteRewriterSink, OriginTextReplacer } from '../src/core/rewrite/text-replacer.ts';

describe('response classification', () => {
  const base = { method: 'GET', status: 200, contentEncoding: null, nextjs: false };
  const table: Array<[Partial<Parameters<typeof classifyResponse>[0]>, string, string?]> = [
    [{ contentType: 'text/html; charset=utf-8' }, 'html'],
    [{ contentType: 'TEXT/HTML' }, 'html'],
    [{ contentType: 'text/html', status: 404 }, 'html'],
    [{ contentType: 'text/html', status: 500, contentEncoding: 'gzip' }, 'html', 'gzip'],
    [{ contentType: 'text/html', contentEncoding: 'br' }, 'html', 'br'],
    [{ contentType: 'text/html', contentEncoding: 'deflate' }, 'html', 'deflate'],
    [{ contentType: 'text/css' }, 'text'],
    [{ contentType: 'text/javascript' }, 'text'],
    [{ contentType: 'application/javascript; charset=utf-8' }, 'text'],
    [{ contentType: 'application/json' }, 'text'],
    [{ contentType: 'application/ld+json' }, 'text'],
    [{ contentType: 'text/plain' }, 'text'],
    [{ contentType: 'text/x-component' }, 'passthrough'],
    [{ contentType: 'text/x-component', nextjs: true }, 'rsc'],
    [{ contentType: 'text/event-stream' }, 'passthrough'],
    [{ contentType: 'image/png' }, 'passthrough'],
    [{ contentType: 'application/octet-stream' }, 'passthrough'],
    [{ contentType: null }, 'passthrough'],
    [{ contentType: 'text/html', contentEncoding: 'zstd' }, 'passthrough'],
    [{ contentType: 'text/html', contentEncoding: 'gzip, br' }, 'passthrough'],
    [{ contentType: 'text/html', method: 'HEAD' }, 'passthrough'],
    [{ contentType: 'text/html', status: 204 }, 'passthrough'],
    [{ contentType: 'text/html', status: 206 }, 'passthrough'],
    [{ contentType: 'text/html', status: 304 }, 'passthrough'],
  ];
  for (const [facts, processing, coding] of table) {
    it(`${JSON.stringify(facts)} → ${processing}${coding ? ` (${coding})` : ''}`, () => {
      const result = classifyResponse({ ...base, contentType: null, ...facts });
      assert.equal(result.processing, processing);
      if (coding) assert.equal(result.coding, coding);
    });
  }
  it('reads the charset', () => {
    assert.equal(
      classifyResponse({ ...base, contentType: 'text/html; Charset="Windows-1252"' }).charset,
      'windows-1252',
    );
  });
});

describe('Accept-Encoding sent to the origin (upstream table)', () => {
  for (const [client, origin] of [
    ['gzip, deflate, br, zstd', 'gzip, deflate, br'],
    ['br, gzip;q=0, zstd', 'br'],
    ['zstd', 'identity'],
    ['identity', 'identity'],
    ['*', 'gzip, deflate, br'],
    ['*;q=0, gzip', 'gzip'],
    ['br;q=0.5, BR;q=0', 'br'],
    [null, null],
  ] as const) {
    it(`${String(client)} → ${String(origin)}`, () =>
      assert.equal(restrictAcceptEncoding(client), origin));
  }
});

describe('origin URL matching', () => {
  const target = { scheme: 'https', host: 'www.pub.test' };
  const matcher = new OriginMatcher('https://origin.example.com');
  const cases: Array<[string, string, 'anywhere' | 'start' | 'never']> = [
    ['https://origin.example.com/page', 'https://www.pub.test/page', 'start'],
    ['http://origin.example.com/img.jpg', 'https://www.pub.test/img.jpg', 'start'],
    ['//origin.example.com/x', '//www.pub.test/x', 'start'],
    ['origin.example.com/bare', 'www.pub.test/bare', 'start'],
    ['https://origin.example.com:443/a', 'https://www.pub.test/a', 'start'],
    ['https://origin.example.com:8443/a', 'https://origin.example.com:8443/a', 'start'],
    ['https://origin.example.com.evil.net/a', 'https://origin.example.com.evil.net/a', 'start'],
    ['https://origin.example.com@evil.net/a', 'https://origin.example.com@evil.net/a', 'start'],
    ['https://notorigin.example.com/a', 'https://notorigin.example.com/a', 'start'],
    ['https://cdn.origin.example.com/a', 'https://cdn.origin.example.com/a', 'start'],
    [
      'https://other.test/?u=https://origin.example.com/x',
      'https://other.test/?u=https://www.pub.test/x',
      'start',
    ],
    [
      'a.png 1x, https://origin.example.com/b.png 2x',
      'a.png 1x, https://www.pub.test/b.png 2x',
      'start',
    ],
    [
      '{"u":"https:\\/\\/origin.example.com\\/x"}',
      '{"u":"https:\\/\\/www.pub.test\\/x"}',
      'anywhere',
    ],
    [
      '{"h":"origin.example.com","n":"notorigin.example.com"}',
      '{"h":"www.pub.test","n":"notorigin.example.com"}',
      'anywhere',
    ],
    ['see origin.example.com/x', 'see origin.example.com/x', 'start'],
    ['url(https://origin.example.com/a.png)', 'url(https://www.pub.test/a.png)', 'never'],
    ['/path/origin.example.com', '/path/origin.example.com', 'anywhere'],
  ];
  for (const [input, expected, bare] of cases) {
    it(`${input} (${bare})`, () =>
      assert.equal(matcher.rewrite(input, target, { bare }).text, expected));
  }
  it('uses the first-party scheme and port, and honours an origin port', () => {
    assert.equal(
      matcher.rewrite(
        'https://origin.example.com/x',
        { scheme: 'http', host: 'localhost:8080' },
        { bare: 'never' },
      ).text,
      'http://localhost:8080/x',
    );
    const ported = new OriginMatcher('http://127.0.0.1:9090');
    assert.equal(
      ported.rewrite('http://127.0.0.1:9090/a http://127.0.0.1:9091/b http://127.0.0.1/c', target, {
        bare: 'never',
      }).text,
      'https://www.pub.test/a http://127.0.0.1:9091/b http://127.0.0.1/c',
    );
  });
});

describe('streaming text replacer', () => {
  const matcher = new OriginMatcher('https://origin.example.com');
  const target = { scheme: 'https', host: 'fp.test:8443' };
  const run = async (input: Uint8Array, sizes: number[]) => {
    const chunks: Uint8Array[] = [];
    for (let offset = 0, turn = 0; offset < input.length; turn++) {
      const size = sizes[turn % sizes.length] as number;
      chunks.push(input.subarray(offset, offset + size));
      offset += size;
    }
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    }).pipeThrough(byteSinkStream(byteRewriterSink(new OriginTextReplacer(matcher, target))));
    return Buffer.from(await new Response(stream).arrayBuffer());
  };

  it('gives the same bytes for every chunking, and never alters bytes that are not UTF-8', async () => {
    const piece = fc.constantFrom(
      'https://origin.example.com/a.css',
      'http://origin.example.com',
      '//origin.example.com/x',
      'https:\\/\\/origin.example.com\\/y',
      'origin.example.com',
      'notorigin.example.com',
      'origin.example.com.evil.net',
      ' ',
      '"',
      '\n',
      'url(',
      ')',
      'é',
      '🎉',
    );
    const junk = fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe9]);
    const doc = fc
      .array(
        fc.oneof(
          piece.map((s) => [...Buffer.from(s)]),
          junk,
        ),
        { maxLength: 30 },
      )
      .map((parts) => Uint8Array.from(parts.flat()));
    await fc.assert(
      fc.asyncProperty(
        doc,
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
        async (input, sizes) => {
          const whole = await run(input, [input.length || 1]);
          const chunked = await run(input, sizes);
          assert.equal(chunked.toString('hex'), whole.toString('hex'));
          const expected = matcher.rewrite(Buffer.from(input).toString('latin1'), target, {
            bare: 'anywhere',
          }).text;
          assert.equal(whole.toString('latin1'), expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('CSP nonce', () => {
  it('takes the script nonce the policy allows', () => {
    assert.equal(
      cspNonce("default-src 'self'; script-src 'nonce-abc123' 'strict-dynamic'"),
      'abc123',
    );
    assert.equal(cspNonce("default-src 'nonce-d3f'"), 'd3f');
    assert.equal(cspNonce("script-src 'self'"), undefined);
    assert.equal(cspNonce(null), undefined);
  });
});
