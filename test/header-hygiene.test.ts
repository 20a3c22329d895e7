import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest, statusOf } from './helpers/raw-http.ts';
import { startOrigin, type TestOrigin } from './helpers/origin.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { testSettings } from './helpers/settings.ts';

describe('header hygiene on the proxy path', () => {
  let origin: TestOrigin;
  let server: TestServer;

  before(async () => {
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        connection: 'x-origin-private, keep-alive',
        'x-origin-private': 'secret-routing-info',
        'keep-alive': 'timeout=5',
        'proxy-authenticate': 'Basic',
        trailer: 'x-checksum',
        'x-kept': 'yes',
        'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
      });
      res.end('hello');
    });
    server = await startTestServer(
      testSettings(
        origin.url,
        '[response_headers]\nX-Robots-Tag = "noindex"\nx-ts-version = "operator-override"\n',
      ),
    );
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('removes hop-by-hop request fields, including those named by Connection', async () => {
    const response = await rawRequest(
      server.port,
      'GET /page HTTP/1.1\r\nHost: localhost\r\nConnection: close, X-Foo\r\nX-Foo: drop-me\r\n' +
        'Keep-Alive: timeout=1\r\nTE: trailers\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n' +
        'Proxy-Connection: keep-alive\r\nX-Bar: keep-me\r\n\r\n',
    );
    assert.equal(statusOf(response), 200);
    const seen = origin.seen.at(-1)?.headers ?? {};
    for (const name of ['x-foo', 'keep-alive', 'te', 'proxy-authorization', 'proxy-connection']) {
      assert.equal(seen[name], undefined, `${name} reached the origin`);
    }
    assert.equal(seen['x-bar'], 'keep-me');
  });

  it('removes hop-by-hop response fields and keeps the rest (both cookies too)', async () => {
    const response = await fetch(`${server.url}/page`);
    assert.equal(await response.text(), 'hello');
    assert.equal(response.headers.get('x-origin-private'), null);
    assert.equal(response.headers.get('proxy-authenticate'), null);
    assert.equal(response.headers.get('trailer'), null);
    assert.equal(response.headers.get('x-kept'), 'yes');
    assert.deepEqual(response.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
  });

  it('ignores spoofed forwarding headers and sets its own to the truth', async () => {
    await fetch(`${server.url}/page`, {
      headers: {
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        'x-forwarded-for': '203.0.113.9',
        forwarded: 'for=203.0.113.9;proto=https;host=evil.example',
        'x-real-ip': '203.0.113.9',
        'fastly-ssl': '1',
        'x-synthetic-id': 'attacker-chosen',
        'x-ts-ec': 'attacker-chosen',
        'x-geo-country': 'XX',
      },
    }).then((r) => r.arrayBuffer());
    const seen = origin.seen.at(-1)?.headers ?? {};
    assert.equal(seen['x-forwarded-host'], `127.0.0.1:${server.port}`);
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    for (const name of [
      'forwarded',
      'x-real-ip',
      'fastly-ssl',
      'x-synthetic-id',
      'x-ts-ec',
      'x-geo-country',
    ]) {
      assert.equal(seen[name], undefined, `${name} reached the origin`);
    }
    assert.equal(seen.host, new URL(origin.url).host, 'Host must be the origin host');
  });

  it('treats an unknown Host as publisher.domain, so it cannot steer URLs', async () => {
    await rawRequest(
      server.port,
      'GET /page HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    );
    assert.equal(origin.seen.at(-1)?.headers['x-forwarded-host'], 'www.publisher.test');
    await rawRequest(
      server.port,
      'GET /page HTTP/1.1\r\nHost: 127.0.0.1:4444\r\nConnection: close\r\n\r\n',
    );
    assert.equal(origin.seen.at(-1)?.headers['x-forwarded-host'], '127.0.0.1:4444');
  });

  it('adds geo, version and operator headers to every response; operators win', async () => {
    const page = await fetch(`${server.url}/page`);
    await page.arrayBuffer();
    assert.equal(page.headers.get('x-geo-info-available'), 'false');
    assert.equal(page.headers.get('x-robots-tag'), 'noindex');
    assert.equal(page.headers.get('x-ts-version'), 'operator-override');
    const missing = await fetch(`${server.url}/static/tsjs=nope.js`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-robots-tag'), 'noindex');
    await missing.arrayBuffer();
  });
});

describe('trusted proxies', () => {
  let origin: TestOrigin;
  let server: TestServer;

  before(async () => {
    origin = await startOrigin((_req, res) => res.end('ok'));
    server = await startTestServer(
      testSettings(origin.url, '[proxy]\ntrusted_proxies = ["127.0.0.0/8", "::1"]\n'),
    );
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('believes X-Forwarded-* from a configured proxy, but still only for configured hosts', async () => {
    await fetch(`${server.url}/`, {
      headers: {
        'x-forwarded-for': '198.51.100.7, 127.0.0.5',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'localhost',
      },
    }).then((r) => r.arrayBuffer());
    let seen = origin.seen.at(-1)?.headers ?? {};
    assert.equal(seen['x-forwarded-for'], '198.51.100.7');
    assert.equal(seen['x-forwarded-proto'], 'https');
    assert.equal(seen['x-forwarded-host'], 'localhost');

    await fetch(`${server.url}/`, { headers: { 'x-forwarded-host': 'evil.example' } }).then((r) =>
      r.arrayBuffer(),
    );
    seen = origin.seen.at(-1)?.headers ?? {};
    assert.equal(seen['x-forwarded-host'], 'www.publisher.test');
  });
});

describe('origin failures become generic gateway errors', () => {
  it('maps an unreachable origin to 502 and a slow first byte to 504, with generic bodies', async () => {
    const slow = await startOrigin((_req, res) => {
      setTimeout(() => res.end('too late'), 1500);
    });
    const closed = await startOrigin((_req, res) => res.end());
    const closedUrl = closed.url;
    await closed.close();

    const unreachable = await startTestServer(testSettings(closedUrl));
    const timeout = await startTestServer(
      testSettings(slow.url, '[proxy]\nfirst_byte_timeout_ms = 200\n'),
    );
    try {
      const bad = await fetch(`${unreachable.url}/x`);
      assert.equal(bad.status, 502);
      const badBody = await bad.text();
      assert.equal(badBody, 'Bad gateway\n');
      assert.ok(!badBody.includes('127.0.0.1'));
      assert.equal(bad.headers.get('x-geo-info-available'), 'false');

      const started = performance.now();
      const late = await fetch(`${timeout.url}/x`);
      assert.equal(late.status, 504);
      assert.equal(await late.text(), 'Gateway timeout\n');
      assert.ok(performance.now() - started < 1400, 'the first-byte timeout did not fire');
      assert.ok(unreachable.logs.some((line) => line.includes('"code":"origin_unreachable"')));
    } finally {
      await unreachable.close();
      await timeout.close();
      await slow.close();
    }
  });
});

describe('strict HTTP/1.1 parsing (request smuggling)', () => {
  let origin: TestOrigin;
  let server: TestServer;

  before(async () => {
    origin = await startOrigin((_req, res) => res.end('ok'));
    server = await startTestServer(testSettings(origin.url, '[server]\nmax_headers_count = 20\n'));
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  const cases: Array<[string, string, number]> = [
    [
      'Content-Length with Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    [
      'unknown Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: pigeons\r\n\r\n',
      400,
    ],
    [
      'space before the colon',
      'POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    [
      'two different Content-Lengths',
      'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      400,
    ],
    ['no Host header', 'GET / HTTP/1.1\r\n\r\n', 400],
    [
      'too many header fields',
      `GET / HTTP/1.1\r\nHost: localhost\r\n${Array.from({ length: 30 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`,
      431,
    ],
    [
      'oversized headers',
      `GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`,
      431,
    ],
  ];
  for (const [name, bytes, status] of cases) {
    it(`rejects ${name} with ${status} and never reaches the origin`, async () => {
      const seen = origin.seen.length;
      const response = await rawRequest(server.port, bytes);
      assert.equal(statusOf(response), status, response.slice(0, 200));
      assert.equal(origin.seen.length, seen);
    });
  }
});

describe('slow clients (slowloris)', () => {
  it('closes a connection whose headers trickle in past headers_timeout_ms, without reaching the origin', async () => {
    const origin = await startOrigin((_req, res) => res.end('ok'));
    const server = await startTestServer(
      testSettings(origin.url, '[server]\nheaders_timeout_ms = 400\nrequest_timeout_ms = 400\n'),
    );
    try {
      const { connect } = await import('node:net');
      const socket = connect(server.port, '127.0.0.1');
      let received = '';
      socket.on('data', (data: Buffer) => (received += data.toString('latin1')));
      const closed = new Promise<number>((resolve) =>
        socket.on('close', () => resolve(performance.now())),
      );
      socket.on('error', () => {});
      const started = performance.now();
      const bytes = 'GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ';
      let sent = 0;
      const drip = setInterval(() => {
        if (sent < bytes.length && !socket.destroyed) socket.write(bytes[sent++] ?? '');
      }, 100);
      const end = await Promise.race([
        closed,
        new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000)),
      ]);
      clearInterval(drip);
      socket.destroy();
      assert.notEqual(end, -1, 'the slow connection was never closed');
      assert.ok(end - started < 2500, `closed only after ${Math.round(end - started)} ms`);
      assert.ok(received === '' || /^HTTP\/1\.1 408/.test(received), received);
      assert.equal(origin.seen.length, 0);
    } finally {
      await server.close();
      await origin.close();
    }
  });
});
