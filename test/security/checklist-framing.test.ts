/**
 * Security checklist items 1–4 and 29: request smuggling (strict parsing), hop-by-hop fields in
 * both directions, and the framing of rewritten responses. Smuggling runs against the Node adapter
 * (on Cloudflare the edge parses requests, not the Worker); the rest runs on Node and on workerd.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { statusOf } from '../helpers/raw-http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testSettings } from '../helpers/settings.ts';
import { decodeAs, describeRuntimes, ORIGIN, rawExchange, wireRequest } from './harness.ts';

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
/** A second request hidden in a body: it must never reach the origin. */
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n';

// An llhttp-style fixture table: every one is ambiguous framing or an invalid message.
const REJECTED: Array<[string, string]> = [
  [
    'Content-Length and Transfer-Encoding (CL.TE)',
    head([
      'POST /a HTTP/1.1',
      'Host: localhost',
      'Content-Length: 6',
      'Transfer-Encoding: chunked',
    ]) + `0\r\n\r\n${SMUGGLED}`,
  ],
  [
    'Transfer-Encoding before Content-Length (TE.CL)',
    head([
      'POST /a HTTP/1.1',
      'Host: localhost',
      'Transfer-Encoding: chunked',
      'Content-Length: 3',
    ]) + `0\r\n\r\n${SMUGGLED}`,
  ],
  [
    'Transfer-Encoding: pigeons',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Transfer-Encoding: pigeons']),
  ],
  [
    'Transfer-Encoding: xchunked',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Transfer-Encoding: xchunked']),
  ],
  [
    'Transfer-Encoding: chunked, identity (chunked not last)',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Transfer-Encoding: chunked, identity']) +
      '0\r\n\r\n',
  ],
  [
    'whitespace before the colon',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Transfer-Encoding : chunked']) + '0\r\n\r\n',
  ],
  [
    'a vertical tab in Transfer-Encoding',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Transfer-Encoding: \x0bchunked']) + '0\r\n\r\n',
  ],
  [
    'Transfer-Encoding folded onto a continuation line (obs-fold)',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Transfer-Encoding:', ' chunked']) + '0\r\n\r\n',
  ],
  [
    'two different Content-Lengths',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Content-Length: 3', 'Content-Length: 48']) +
      `abc${SMUGGLED}`,
  ],
  [
    'Content-Length: 3, 48 (a list)',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Content-Length: 3, 48']) + 'abc',
  ],
  [
    'Content-Length: +3',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Content-Length: +3']) + 'abc',
  ],
  ['Content-Length: -1', head(['POST /a HTTP/1.1', 'Host: localhost', 'Content-Length: -1'])],
  [
    'Content-Length: 0x3',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Content-Length: 0x3']) + 'abc',
  ],
  [
    'Content-Length: 1 2',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Content-Length: 1 2']) + 'abc',
  ],
  ['a space inside a header name', head(['GET /a HTTP/1.1', 'Host: localhost', 'X Foo: 1'])],
  ['a NUL in a header value', head(['GET /a HTTP/1.1', 'Host: localhost', 'X-Foo: a\0b'])],
  ['bare LF line endings', 'GET /a HTTP/1.1\nHost: localhost\nX-Foo: 1\n\n'],
  ['a bare CR inside a header value', head(['GET /a HTTP/1.1', 'Host: localhost', 'X-Foo: a\rb'])],
  ['an invalid request line', head(['GET /a HTTP/1.1 extra', 'Host: localhost'])],
  [
    'a chunk size that overflows',
    head(['POST /a HTTP/1.1', 'Host: localhost', 'Transfer-Encoding: chunked']) +
      'fffffffffffffffffff\r\nabc\r\n0\r\n\r\n',
  ],
];

describe('checklist 1–2: request smuggling is refused (Node adapter)', () => {
  let origin: TestOrigin;
  let server: TestServer;
  before(async () => {
    origin = await startOrigin((req, res, body) =>
      res.end(`seen ${req.method} ${req.url} ${body.byteLength}`),
    );
    server = await startTestServer(testSettings(origin.url));
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('control: a well-formed chunked POST reaches the origin with its body', async () => {
    const answer = await rawExchange(
      server.port,
      head([
        'POST /ok HTTP/1.1',
        'Host: localhost',
        'Transfer-Encoding: chunked',
        'Connection: close',
      ]) + '3\r\nabc\r\n0\r\n\r\n',
    );
    assert.equal(statusOf(answer.text), 200, answer.text);
    assert.match(answer.text, /seen POST \/ok 3$/);
  });

  for (const [name, bytes] of REJECTED) {
    it(`${name} → 400, connection closed, nothing reaches the origin`, async () => {
      const before = origin.seen.length;
      const answer = await rawExchange(server.port, bytes);
      assert.equal(statusOf(answer.text), 400, JSON.stringify(answer.text.slice(0, 200)));
      assert.ok(answer.closed, 'the connection was left open after a framing error');
      // Only one response: a smuggled second request was not answered on this connection.
      assert.equal(answer.text.split('HTTP/1.1 ').length - 1, 1, answer.text);
      assert.equal(origin.seen.length, before, `origin saw ${origin.seen.at(-1)?.url}`);
    });
  }

  it('never lets a smuggled request reach the origin, even on a following connection', async () => {
    for (const [, bytes] of REJECTED.filter(([, bytes]) => bytes.includes(SMUGGLED))) {
      await rawExchange(server.port, bytes);
    }
    const next = await wireRequest(`${server.url}/after`);
    assert.equal(next.status, 200);
    assert.deepEqual(
      origin.seen.map((seen) => seen.url).filter((url) => url.includes('smuggled')),
      [],
    );
  });
});

const PAGE = `<html><head><title>t</title></head><body><a href="${ORIGIN}/story">s</a></body></html>`;
const pageGzip = zlib.gzipSync(PAGE);

describeRuntimes(
  'checklist 3, 4, 29: hop-by-hop fields and framing after rewrite',
  (req, res) => {
    const path = req.url ?? '/';
    if (path === '/hop') {
      res.writeHead(200, {
        'content-type': 'text/plain',
        connection: 'x-origin-private',
        'x-origin-private': 'routing-secret',
        'keep-alive': 'timeout=99, max=7',
        'proxy-authenticate': 'Basic realm="origin"',
        'proxy-connection': 'keep-alive',
        trailer: 'x-checksum',
        upgrade: 'h2c',
        'x-kept': 'yes',
      });
      return res.end('hop');
    }
    if (path === '/page') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-encoding': 'gzip',
        'content-length': pageGzip.byteLength,
        vary: 'Cookie',
        etag: '"p1"',
      });
      return res.end(req.method === 'HEAD' ? undefined : pageGzip);
    }
    if (path === '/huge') {
      // A HEAD answer announcing 10 GiB: the length of a body nobody sends.
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': 10 * 1024 ** 3 });
      return res.end();
    }
    res.writeHead(404);
    res.end();
  },
  (test) => {
    test('3: hop-by-hop request fields never reach the origin; end-to-end ones do', async (r) => {
      const got = await wireRequest(`${r.url}/hop`, {
        headers: {
          connection: 'close, X-Foo',
          'x-foo': 'named-by-connection',
          'keep-alive': 'timeout=1',
          te: 'trailers',
          upgrade: 'websocket-ish',
          'proxy-authorization': 'Basic Zm9vOmJhcg==',
          'proxy-connection': 'keep-alive',
          'x-end-to-end': 'kept',
        },
      });
      assert.equal(got.status, 200);
      const seen = r.origin.seen.at(-1)?.headers ?? {};
      for (const name of ['x-foo', 'te', 'upgrade', 'proxy-authorization', 'proxy-connection']) {
        assert.equal(seen[name], undefined, `${name} reached the origin`);
      }
      assert.notEqual(seen['keep-alive'], 'timeout=1', 'the client Keep-Alive reached the origin');
      assert.ok(!String(seen.connection ?? '').includes('X-Foo'), String(seen.connection));
      assert.equal(seen['x-end-to-end'], 'kept');
    });

    test('4: hop-by-hop response fields never reach the client; end-to-end ones do', async (r) => {
      const got = await wireRequest(`${r.url}/hop`);
      assert.equal(got.status, 200);
      assert.equal(got.body.toString(), 'hop');
      for (const name of [
        'x-origin-private',
        'proxy-authenticate',
        'proxy-connection',
        'trailer',
        'upgrade',
      ]) {
        assert.equal(got.headers[name], undefined, `${name} reached the client`);
      }
      assert.notEqual(got.headers['keep-alive'], 'timeout=99, max=7');
      assert.ok(!String(got.headers.connection ?? '').includes('x-origin-private'));
      assert.equal(got.headers['x-kept'], 'yes');
    });

    // Client Accept-Encoding → codings the response may carry (q=0 means "not acceptable").
    const negotiation: Array<[string | undefined, string[]]> = [
      [undefined, ['identity']],
      ['gzip', ['gzip', 'identity']],
      ['br', ['br', 'identity']],
      ['gzip, deflate, br, zstd', ['br', 'gzip', 'identity']],
      ['deflate', ['deflate', 'identity']],
      ['identity', ['identity']],
      ['gzip;q=0, br;q=0', ['identity']],
      ['*;q=0, identity', ['identity']],
      ['x-unknown', ['identity']],
    ];
    for (const [acceptEncoding, allowed] of negotiation) {
      test(`29: rewritten body framed and encoded as announced (Accept-Encoding: ${acceptEncoding ?? 'none'})`, async (r) => {
        const got = await wireRequest(`${r.url}/page`, {
          headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
        });
        assert.equal(got.status, 200);
        assert.equal(got.outcome, 'complete');
        const coding = got.headers['content-encoding'] ?? 'identity';
        assert.ok(allowed.includes(coding), `Content-Encoding ${coding} for ${acceptEncoding}`);
        const length = got.headers['content-length'];
        assert.notEqual(length, String(pageGzip.byteLength), "the origin's Content-Length leaked");
        if (length !== undefined) assert.equal(Number(length), got.body.byteLength);
        const html = decodeAs(coding, got.body).toString();
        assert.ok(html.includes(`href="${r.url}/story"`) && !html.includes(ORIGIN), html);
        const vary = String(got.headers.vary ?? '').toLowerCase();
        assert.ok(vary.includes('accept-encoding') && vary.includes('cookie'), `Vary: ${vary}`);
      });
    }

    test('29: a client that sent no Accept-Encoding gets none injected towards the origin', async (r) => {
      await wireRequest(`${r.url}/page`);
      assert.equal(r.origin.seen.at(-1)?.headers['accept-encoding'], undefined);
    });

    test('29: HEAD with a 10 GiB Content-Length is not treated as an oversized body', async (r) => {
      const got = await wireRequest(`${r.url}/huge`, { method: 'HEAD' });
      assert.equal(got.status, 200);
      assert.equal(got.body.byteLength, 0);
      const length = got.headers['content-length'];
      assert.ok(length === undefined || length === String(10 * 1024 ** 3), `CL ${length}`);
    });
  },
);
