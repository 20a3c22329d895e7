/**
 * `/first-party/sign` and `/first-party/proxy-rebuild` through the real Node server, and the
 * consent and private-address rules on servers configured the way production is (no
 * `allow_private_targets`) or with a reader whose jurisdiction is unknown.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signTarget } from '../../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../../src/core/first-party/token.ts';
import { verifySignedUrl } from '../../src/core/first-party/verify-signed-url.ts';
import { Secret } from '../../src/core/settings/secret.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SECRET_PROXY, testSettings } from '../helpers/settings.ts';
import { independentToken } from './helpers.ts';

const signer = createProxyTokenSigner(new Secret(SECRET_PROXY));
const EC_ID = `${'cd'.repeat(32)}.Qq12Ww`;

describe('first-party sign over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(
      testSettings(
        'http://127.0.0.1:9',
        '[rewrite]\nexclude_domains = ["*.excluded.example"]\n[proxy]\nallowed_domains = ["*.cdn.example", "cdn.excluded.example"]\n',
      ),
    );
  });
  after(() => server.close());

  const sign = (init: { url?: string; body?: string; headers?: Record<string, string> }) =>
    fetch(
      `${server.url}/first-party/sign${init.url === undefined ? '' : `?url=${encodeURIComponent(init.url)}`}`,
      init.body === undefined
        ? {}
        : {
            method: 'POST',
            body: init.body,
            headers: { 'content-type': 'application/json', ...init.headers },
          },
    );

  it('signs a POSTed URL for 30 seconds, verifiable by an independent implementation', async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await sign({
      body: JSON.stringify({ url: 'https://img.cdn.example:9443/a.png?x=1 2' }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    const { href, base } = (await response.json()) as { href: string; base: string };
    assert.equal(base, 'https://img.cdn.example:9443/a.png');
    const params = new URL(href, 'https://x.invalid').searchParams;
    const tsexp = Number(params.get('tsexp'));
    assert.ok(tsexp >= before + 30 && tsexp <= before + 31, String(tsexp));
    const full = `${base}?${new URLSearchParams([
      ['x', '1 2'],
      ['tsexp', String(tsexp)],
    ]).toString()}`;
    assert.equal(params.get('tstoken'), independentToken(SECRET_PROXY, full));
    assert.ok(
      href.startsWith(
        '/first-party/proxy?tsurl=https%3A%2F%2Fimg.cdn.example%3A9443%2Fa.png&x=1+2&tsexp=',
      ),
    );
  });

  it('signs ?url= on GET, a protocol-relative URL with the request’s scheme', async () => {
    const response = await sign({ url: '//img.cdn.example/b.png' });
    // This test server is plain http: the result is an http target, which the proxy refuses.
    assert.equal(response.status, 403);
    assert.match(await response.text(), /must be https/);
    const ok = await sign({ url: 'https://img.cdn.example/b.png' });
    assert.equal(ok.status, 200);
    // Readable by the opaque-origin creative frame that sends this credential-less GET.
    assert.equal(ok.headers.get('access-control-allow-origin'), '*');
    const posted = await sign({ body: JSON.stringify({ url: 'https://img.cdn.example/b.png' }) });
    assert.equal(posted.headers.get('access-control-allow-origin'), null);
  });

  const refusals: [string, string, number, string][] = [
    ['an excluded domain', 'https://cdn.excluded.example/a.png', 400, 'unsupported url'],
    ['a protocol-relative excluded domain', '//cdn.excluded.example/a.png', 400, 'unsupported url'],
    ['a data: URL', 'data:image/png;base64,AAAA', 400, 'unsupported url'],
    ['a relative URL', '/local/a.png', 400, 'unsupported url'],
    ['javascript:', 'javascript:alert(1)', 400, 'unsupported url'],
    ['plain http', 'http://img.cdn.example/a.png', 403, 'creative URL must be https (got http:)'],
    [
      'a host outside allowed_domains',
      'https://evil.example/a.png',
      403,
      'host evil.example is not in proxy.allowed_domains',
    ],
    ['credentials', 'https://u:p@img.cdn.example/a.png', 403, 'creative URL carries credentials'],
  ];
  for (const [name, url, status, message] of refusals) {
    it(`refuses ${name}`, async () => {
      const response = await sign({ body: JSON.stringify({ url }) });
      assert.equal(response.status, status);
      assert.equal(await response.text(), `${message}\n`);
    });
  }

  it('refuses malformed JSON, a missing url and a body over 64 KiB', async () => {
    const bad = await sign({ body: '{"url": ' });
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), 'invalid JSON\n');
    const missing = await fetch(`${server.url}/first-party/sign`);
    assert.equal(missing.status, 400);
    assert.equal(await missing.text(), 'missing url\n');
    const big = await sign({
      body: JSON.stringify({ url: `https://img.cdn.example/${'a'.repeat(70000)}` }),
    });
    assert.equal(big.status, 413);
  });
});

describe('first-party proxy-rebuild over HTTP', () => {
  let server: TestServer;
  let click: string;
  before(async () => {
    server = await startTestServer(testSettings());
    click =
      (
        await signTarget(signer, 'https://advertiser.example/landing?x=1&b=2', {
          basePath: '/first-party/click',
          expiresAt: Math.floor(Date.now() / 1000) + 600,
        })
      )?.href ?? assert.fail('unsigned');
  });
  after(() => server.close());

  const rebuild = (body: unknown) =>
    fetch(`${server.url}/first-party/proxy-rebuild`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('re-signs a click with parameters added and removed, sorted by name', async () => {
    const response = await rebuild({ tsclick: click, add: { y: '2', a: '0' }, del: ['x'] });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store, private');
    const json = (await response.json()) as {
      href: string;
      base: string;
      added: object;
      removed: string[];
    };
    assert.equal(json.base, 'https://advertiser.example/landing');
    assert.deepEqual(json.added, { a: '0', y: '2' });
    assert.deepEqual(json.removed, ['x']);
    const check = await verifySignedUrl(signer, json.href, { now: Date.now() });
    assert.ok(check.ok);
    const target = new URL(check.target);
    assert.deepEqual([...target.searchParams.keys()], ['a', 'b', 'tsexp', 'y']);
    // And the new link works.
    const followed = await fetch(server.url + json.href, { redirect: 'manual' });
    assert.equal(followed.status, 302);
  });

  it('answers a GET with a 302 to the rebuilt click (opaque-origin frames)', async () => {
    const query = new URLSearchParams({ tsclick: click, add: JSON.stringify({ z: '9' }) });
    const response = await fetch(`${server.url}/first-party/proxy-rebuild?${query.toString()}`, {
      redirect: 'manual',
    });
    assert.equal(response.status, 302);
    const location = response.headers.get('location') ?? '';
    assert.ok(location.startsWith('/first-party/click?'));
    assert.ok((await verifySignedUrl(signer, location, { now: Date.now() })).ok);
  });

  it('answers a form POST (a navigation too long for a URL) with the same 302', async () => {
    const response = await fetch(`${server.url}/first-party/proxy-rebuild`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ tsclick: click, del: JSON.stringify(['b']) }).toString(),
    });
    assert.equal(response.status, 302);
    const check = await verifySignedUrl(signer, response.headers.get('location') ?? '', {
      now: Date.now(),
    });
    assert.ok(check.ok);
    assert.equal(new URL(check.target).searchParams.get('b'), null);
  });

  it('refuses an unsigned or tampered click: it is no open-redirect oracle', async () => {
    const forged = '/first-party/click?tsurl=https%3A%2F%2Fevil.example%2F&tstoken=AAAA';
    const response = await rebuild({ tsclick: forged, add: { q: '1' } });
    assert.equal(response.status, 403);
    const unsigned = await rebuild({
      tsclick: '/first-party/click?tsurl=https%3A%2F%2Fevil.example%2F',
    });
    assert.equal(unsigned.status, 400);
  });

  const refusals: [string, unknown, string][] = [
    ['deleting tsexp', { del: ['tsexp'] }, 'cannot delete reserved signing parameter: tsexp'],
    ['adding tstoken', { add: { tstoken: 'x' } }, 'cannot add reserved signing parameter: tstoken'],
    [
      'adding tsurl',
      { add: { tsurl: 'https://evil.example/' } },
      'cannot add reserved signing parameter: tsurl',
    ],
    ['overwriting a parameter', { add: { x: '2' } }, 'cannot modify existing parameter: x'],
  ];
  for (const [name, change, message] of refusals) {
    it(`refuses ${name}`, async () => {
      const response = await rebuild({ tsclick: click, ...(change as object) });
      assert.equal(response.status, 400);
      assert.equal(await response.text(), `${message}\n`);
    });
  }

  it('refuses malformed JSON, a wrong path and a body over 64 KiB', async () => {
    assert.equal((await rebuild('{nope')).status, 400);
    const wrongPath = await rebuild({
      tsclick: click.replace('/first-party/click', '/first-party/proxy'),
    });
    assert.equal(await wrongPath.text(), 'invalid tsclick path\n');
    assert.equal((await rebuild({ tsclick: click, add: { k: 'v'.repeat(70000) } })).status, 413);
  });
});

describe('the proxy on a production-like server (allow_private_targets off)', () => {
  let server: TestServer;
  let listener: http.Server;
  let connections = 0;
  let port = 0;
  before(async () => {
    listener = http.createServer((_req, res) => res.end('should never be reached'));
    listener.on('connection', () => connections++);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as AddressInfo).port;
    server = await startTestServer(testSettings());
  });
  after(async () => {
    await server.close();
    await new Promise((resolve) => listener.close(resolve));
  });

  it('refuses a name that resolves to loopback without connecting to it', async () => {
    const href = (await signTarget(signer, `https://localhost:${port}/ad.png`))?.href;
    const response = await fetch(server.url + href);
    assert.equal(response.status, 403);
    assert.equal(await response.text(), 'host localhost resolves to a loopback address\n');
    assert.equal(connections, 0);
  });

  it('refuses plain http to loopback and IP-literal private hosts before any lookup', async () => {
    for (const [url, message] of [
      [`http://127.0.0.1:${port}/a`, 'creative URL must be https (got http:)'],
      [`https://127.0.0.1:${port}/a`, 'creative host 127.0.0.1 is a loopback address'],
      [`https://[::1]:${port}/a`, 'creative host [::1] is a loopback address'],
    ] as const) {
      const href = (await signTarget(signer, url))?.href;
      const response = await fetch(server.url + href);
      assert.equal(response.status, 403, url);
      assert.equal(await response.text(), `${message}\n`);
    }
    assert.equal(connections, 0);
  });
});

describe('ts-ec without consent', () => {
  let server: TestServer;
  let host: TestOrigin;
  before(async () => {
    host = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/gif' });
      res.end('GIF');
    });
    // `[geo] mode = "none"`: jurisdiction unknown, so no consent to an Edge Cookie.
    server = await startTestServer(
      testSettings('http://127.0.0.1:9', '[proxy]\nallow_private_targets = true\n'),
    );
  });
  after(async () => {
    await server.close();
    await host.close();
  });

  it('is not sent to the creative host, nor on a click, even with a valid cookie', async () => {
    const proxied = (await signTarget(signer, `${host.url}/p.gif`))?.href;
    const response = await fetch(server.url + proxied, { headers: { cookie: `ts-ec=${EC_ID}` } });
    assert.equal(response.status, 200);
    assert.equal(host.seen.at(-1)?.url, '/p.gif');
    const clickHref = (
      await signTarget(signer, 'https://advertiser.example/', {
        basePath: '/first-party/click',
      })
    )?.href;
    const click = await fetch(server.url + clickHref, {
      redirect: 'manual',
      headers: { cookie: `ts-ec=${EC_ID}` },
    });
    assert.equal(click.headers.get('location'), 'https://advertiser.example/');
  });
});
