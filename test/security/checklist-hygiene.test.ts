/**
 * Security checklist item 31: what the proxy gives away. A 5xx body is exactly the generic text
 * (no host, address, port, cause or stack) on Node and on workerd; the Node adapter's captured
 * log lines never hold a secret, a credential, a cookie, a query string or the client's address.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSettings } from '../../src/core/settings/load-settings.ts';
import { startOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { PASSWORD, EC_PASSPHRASE, SECRET_PROXY } from '../helpers/settings.ts';
import { startWorkerdTarget, suiteToml, type Target } from '../shared-suite/targets.ts';
import { startNodeProxy, wireRequest, type NodeProxy } from './harness.ts';

/** Anything that would tell a client about the deployment behind the proxy. */
function assertGeneric(body: string, closedPort: string) {
  assert.equal(body, 'Bad gateway\n');
  for (const leak of ['127.0.0.1', closedPort, 'origin.test', 'ECONNREFUSED', 'Error', '    at ']) {
    assert.ok(!body.includes(leak), `5xx body mentions ${leak}`);
  }
}

describe('checklist 31: 5xx bodies are exactly the generic text (Node and workerd)', () => {
  let closedAddress = '';
  const targets: Array<[string, Target | string]> = [];
  let node: TestServer | undefined;

  before(async () => {
    const gone = await startOrigin((_req, res) => res.end());
    closedAddress = gone.url.slice('http://'.length);
    await gone.close();
    node = await startTestServer(loadSettings(suiteToml(closedAddress)));
    targets.push(['node', { url: node.url, close: () => Promise.resolve() }]);
    try {
      targets.push(['workerd', await startWorkerdTarget(closedAddress, 'builtin')]);
    } catch (error) {
      const reason = `workerd could not start: ${error instanceof Error ? error.message : String(error)}`;
      console.log(`# skipping the workerd half: ${reason}`);
      targets.push(['workerd', reason]);
    }
  });
  after(async () => {
    await node?.close();
    for (const [, target] of targets) if (typeof target !== 'string') await target.close();
  });

  for (const runtime of ['node', 'workerd']) {
    it(`${runtime}: an unreachable origin (ECONNREFUSED) → 502, generic body, for every method`, async (t) => {
      const target = targets.find(([name]) => name === runtime)?.[1];
      if (target === undefined || typeof target === 'string')
        return t.skip(target ?? 'not started');
      const port = closedAddress.split(':')[1] ?? '';
      for (const [method, path] of [
        ['GET', '/'],
        ['GET', `/page.html?x=${port}`],
        ['POST', '/form'],
        ['DELETE', '/api/item'],
      ] as const) {
        const got = await wireRequest(`${target.url}${path}`, { method });
        assert.equal(got.status, 502, `${method} ${path}`);
        assert.match(String(got.headers['content-type']), /^text\/plain/);
        assertGeneric(got.body.toString(), port);
        const headers = JSON.stringify(got.headers);
        assert.ok(!headers.includes(port) && !headers.includes('origin.test'), headers);
      }
    });
  }
});

describe('checklist 31: captured logs hold no secret, credential or client address (Node)', () => {
  const CLIENT_IP = '198.51.100.77';
  const MARKERS = {
    cookie: 'cookie-value-5e1f',
    bearer: 'bearer-token-77ad',
    query: 'query-token-c0ffee',
    ec: 'ec-id-9b9b9b',
  };
  let proxy: NodeProxy;
  before(async () => {
    proxy = await startNodeProxy(
      (req, res) => {
        if (req.url?.startsWith('/fail')) return void req.socket.destroy();
        res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': `s=${MARKERS.cookie}` });
        res.end('<html><head></head><body>ok</body></html>');
      },
      {
        proxyToml: 'trusted_proxies = ["127.0.0.0/8"]\n',
        extraToml: `[[handlers]]\npath = "^/secure"\nusername = "editor"\npassword = "${PASSWORD}"\n`,
      },
    );
    const basic = (password: string) =>
      `Basic ${Buffer.from(`editor:${password}`).toString('base64')}`;
    const common = { 'x-forwarded-for': CLIENT_IP, cookie: `session=${MARKERS.cookie}` };
    for (const [path, headers] of [
      ['/secure/page', { authorization: basic(PASSWORD) }],
      ['/secure/page', { authorization: basic(`${PASSWORD}-wrong`) }],
      [`/article?token=${MARKERS.query}`, { authorization: `Bearer ${MARKERS.bearer}` }],
      ['/page', { 'x-ts-ec': MARKERS.ec }],
      [`/fail?token=${MARKERS.query}`, {}],
      [`/${SECRET_PROXY}/${EC_PASSPHRASE}`, {}],
    ] as const) {
      await wireRequest(`${proxy.url}${path}`, { headers: { ...common, ...headers } });
    }
  });
  after(async () => {
    await proxy.close();
  });

  it('logs one access line per request, with method, path and status', () => {
    const access = proxy.logs.filter((line) => line.includes('"msg":"request"'));
    assert.equal(access.length, 6, proxy.logs.join('\n'));
    console.log(`# an access-log line: ${access[0]}`);
    assert.ok(access.some((line) => line.includes('"status":502')));
    assert.ok(access.some((line) => line.includes('"status":401')));
  });

  const forbidden: Array<[string, string]> = [
    ['publisher.proxy_secret', SECRET_PROXY],
    ['ec.passphrase', EC_PASSPHRASE],
    ['the basic-auth password', PASSWORD],
    ['the basic-auth header', Buffer.from(`editor:${PASSWORD}`).toString('base64')],
    ['a cookie value', MARKERS.cookie],
    ['a bearer token', MARKERS.bearer],
    ['a query-string token', MARKERS.query],
    ['a client-sent EC id', MARKERS.ec],
    ['the client IP', CLIENT_IP],
    ['the loopback client IP as a field', '"client_ip"'],
  ];
  for (const [what, value] of forbidden) {
    it(`never logs ${what}`, () => {
      const leaking = proxy.logs.filter((line) => line.includes(value));
      assert.deepEqual(leaking, []);
    });
  }
});
