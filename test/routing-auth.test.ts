import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from './helpers/origin.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { PASSWORD, testSettings } from './helpers/settings.ts';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('routing order and basic auth (real sockets)', () => {
  let origin: TestOrigin;
  let server: TestServer;

  before(async () => {
    origin = await startOrigin((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`origin saw ${req.method} ${req.url}`);
    });
    server = await startTestServer(
      testSettings(
        origin.url,
        `[[handlers]]
path = "^/secure"
username = "editor"
password = "${PASSWORD}"

[[handlers]]
path = "^/secure/other"
username = "never-used"
password = "never-used-password"

[[handlers]]
path = "^/(health|static)"
username = "ops"
password = "${PASSWORD}"
`,
      ),
    );
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('answers /health before auth, without touching the origin', async () => {
    const before = origin.seen.length;
    const response = await fetch(`${server.url}/health`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok');
    assert.equal(origin.seen.length, before);
  });

  it('serves /static/tsjs= itself (auth first), and sends other paths to the origin', async () => {
    const denied = await fetch(`${server.url}/static/tsjs=tsjs-unified.min.js`);
    assert.equal(denied.status, 401);
    const bundle = await fetch(`${server.url}/static/tsjs=tsjs-unified.min.js`, {
      headers: { authorization: basic('ops', PASSWORD) },
    });
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /^application\/javascript/);
    const page = await fetch(`${server.url}/news/today?x=1`);
    assert.equal(await page.text(), 'origin saw GET /news/today?x=1');
  });

  it('falls through to the origin for methods a route does not take', async () => {
    const response = await fetch(`${server.url}/static/tsjs=tsjs-unified.min.js`, {
      method: 'POST',
      body: 'x',
      headers: { authorization: basic('ops', PASSWORD) },
    });
    assert.equal(await response.text(), 'origin saw POST /static/tsjs=tsjs-unified.min.js');
  });

  it('challenges a protected path without credentials, with finalize headers', async () => {
    const response = await fetch(`${server.url}/secure/data`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Basic realm="Trusted Server"');
    assert.equal(response.headers.get('x-geo-info-available'), 'false');
    assert.ok(response.headers.get('x-ts-version'));
    assert.equal(await response.text(), 'Unauthorized\n');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('rejects a wrong user with the right password, and the right user with a wrong password', async () => {
    const seen = origin.seen.length;
    for (const header of [
      basic('intruder', PASSWORD),
      basic('editor', 'wrong password'),
      basic('editor', ''),
      `Bearer ${PASSWORD}`,
      'Basic not-base64!!',
    ]) {
      const response = await fetch(`${server.url}/secure/data`, {
        headers: { authorization: header },
      });
      assert.equal(response.status, 401, header);
      await response.arrayBuffer();
    }
    assert.equal(origin.seen.length, seen, 'a rejected request reached the origin');
  });

  it('lets the right credentials through; the first matching handler decides', async () => {
    const ok = await fetch(`${server.url}/secure/data`, {
      headers: { authorization: basic('editor', PASSWORD) },
    });
    assert.equal(await ok.text(), 'origin saw GET /secure/data');
    // "^/secure" matches first, so the second handler's credentials never apply.
    const other = await fetch(`${server.url}/secure/other`, {
      headers: { authorization: basic('never-used', 'never-used-password') },
    });
    assert.equal(other.status, 401);
    await other.arrayBuffer();
  });

  it('checks auth against the normalised path, so dot segments cannot dodge a handler', async () => {
    const { rawRequest, statusOf } = await import('./helpers/raw-http.ts');
    const response = await rawRequest(
      server.port,
      'GET /public/../secure/data HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(response), 401);
  });

  it('never writes the password into the logs', () => {
    assert.ok(server.logs.length > 0);
    assert.ok(server.logs.every((line) => !line.includes(PASSWORD)));
  });
});
