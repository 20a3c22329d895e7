/**
 * The findings of the adversarial probe (issue 15), each reproduced against the real Node server
 * over sockets: a hostile request must never reach a host other than the configured origin, never
 * dodge an auth handler, never crash on a bodiless status, never leave a personalised response
 * cacheable, never carry the handler's credentials or a spoofed client identity to the origin,
 * and never hold a response open forever. The behaviours that every adapter shares are also in
 * the shared suite (test/shared-suite/scenarios.ts), which runs on workerd too.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startInternalService } from '../helpers/internal-service.ts';
import { rawRequest, statusOf } from '../helpers/raw-http.ts';
import { startEchoOrigin, startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { PASSWORD, SECURE_HANDLER, testSettings } from '../helpers/settings.ts';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const get = (
  server: TestServer,
  target: string,
  headers: Record<string, string> = {},
  method = 'GET',
) =>
  rawRequest(
    server.port,
    `${method} ${target} HTTP/1.1\r\nHost: localhost\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      'Connection: close\r\n\r\n',
  );

describe('finding 1: the publisher proxy is never an open proxy', () => {
  let origin: TestOrigin;
  let internal: Awaited<ReturnType<typeof startInternalService>>;
  let server: TestServer;
  before(async () => {
    internal = await startInternalService();
    origin = await startEchoOrigin();
    server = await startTestServer(testSettings(origin.url, SECURE_HANDLER));
  });
  after(async () => {
    await server.close();
    await origin.close();
    await internal.close();
  });

  const originHost = () => new URL(origin.url).host;

  it('sends every path that reads as //host to the configured origin, cookies and all', async () => {
    const at = `127.0.0.1:${internal.port}`;
    for (const target of [
      `/.//${at}/x`,
      `//${at}/x`,
      `//a//${at}/x`,
      `/..//${at}/x`,
      `/%2e//${at}/x`,
      `/x/..//${at}/x?q=1`,
      `/.%2e//${at}/x`,
      `/\\\\${at}/x`,
      `http://${at}//${at}/x`,
    ]) {
      const before = origin.seen.length;
      const reply = await get(server, target, {
        cookie: 'session=reader',
        authorization: 'Bearer publisher-token',
      });
      assert.equal(statusOf(reply), 200, `${target}: ${reply}`);
      assert.ok(!reply.includes('internal secret'), target);
      const seen = origin.seen[before];
      assert.equal(seen?.headers.host, originHost(), target);
      assert.ok(
        seen?.url.startsWith(`/`) && !seen.url.startsWith('//'),
        `${target} → ${seen?.url}`,
      );
    }
    assert.equal(internal.connections(), 0, 'the internal service was reached');
  });

  it('cannot bypass a basic-auth handler by naming the origin in the path', async () => {
    const reply = await get(server, `/.//${originHost()}/secure/admin`);
    const seen = origin.seen.at(-1);
    // The path is not /secure/admin, so no handler applies — and the origin is not asked for it.
    assert.equal(statusOf(reply), 200);
    assert.equal(seen?.url, `/${originHost()}/secure/admin`);
    assert.equal(statusOf(await get(server, '/secure/admin')), 401);
  });

  it('never opens a WebSocket tunnel to a host named in the path', async () => {
    const reply = await rawRequest(
      server.port,
      `GET /.//127.0.0.1:${internal.port}/ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n` +
        'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      1000,
    );
    assert.ok(!reply.includes('internal secret'), reply);
    assert.equal(internal.connections(), 0);
  });
});

describe('finding 2: bodiless statuses and HEAD', () => {
  let origin: TestOrigin;
  let server: TestServer;
  before(async () => {
    origin = await startOrigin((req, res) => {
      const path = req.url ?? '/';
      if (path === '/page') {
        if (req.headers['if-none-match'] === '"p1"') {
          res.writeHead(304, { etag: '"p1"' });
          return res.end();
        }
        const body = '<html><head></head><body>page</body></html>';
        res.writeHead(200, {
          'content-type': 'text/html',
          'content-length': Buffer.byteLength(body),
          etag: '"p1"',
        });
        return res.end(req.method === 'HEAD' ? undefined : body);
      }
      const status = Number(path.slice(1));
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end();
    });
    server = await startTestServer(testSettings(origin.url));
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  for (const status of [204, 205]) {
    it(`passes ${status} through with no body`, async () => {
      const reply = await get(server, `/${status}`);
      assert.equal(statusOf(reply), status, reply);
      assert.ok(reply.endsWith('\r\n\r\n'), 'no body');
    });
  }

  it('passes 304 through to a revalidating browser', async () => {
    const reply = await get(server, '/page', { 'if-none-match': '"p1"' });
    assert.equal(statusOf(reply), 304, reply);
    assert.match(reply, /\r\netag: "p1"\r\n/i);
  });

  it('answers HEAD with the headers GET gets: no origin length, a weak ETag', async () => {
    const headers = { 'accept-encoding': 'gzip' };
    const onGet = await get(server, '/page', headers);
    const onHead = await get(server, '/page', headers, 'HEAD');
    const fields = (reply: string) =>
      Object.fromEntries(
        reply
          .split('\r\n\r\n')[0]!
          .split('\r\n')
          .slice(1)
          .map((line) => line.toLowerCase().split(': '))
          .filter(([name]) => !['date', 'transfer-encoding', 'connection'].includes(name!)),
      ) as Record<string, string>;
    assert.equal(statusOf(onHead), 200);
    assert.deepEqual(fields(onHead), fields(onGet));
    assert.equal(fields(onHead)['content-length'], undefined);
    assert.equal(fields(onHead)['etag'], 'w/"p1"');
    assert.equal(fields(onHead)['content-encoding'], 'gzip');
  });
});

describe('finding 3: a response that sets a cookie is never publicly cacheable', () => {
  let origin: TestOrigin;
  let server: TestServer;
  before(async () => {
    origin = await startOrigin((req, res) => {
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'text/plain',
        'cache-control': 'public, s-maxage=600',
        'surrogate-control': 'max-age=600',
        'cdn-cache-control': 'max-age=600',
        'cloudflare-cdn-cache-control': 'max-age=600',
      };
      if (req.url === '/login') headers['set-cookie'] = 'session=reader-one; Path=/';
      res.writeHead(200, headers);
      res.end('hello');
    });
    server = await startTestServer(
      testSettings(
        origin.url,
        '[response_headers]\nCache-Control = "public, max-age=600"\nSurrogate-Control = "max-age=9"\n',
      ),
    );
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('turns it private and drops edge-cache headers, whatever the operator set', async () => {
    const reply = (await get(server, '/login')).toLowerCase();
    assert.match(reply, /\r\nset-cookie: session=reader-one; path=\/\r\n/);
    assert.match(reply, /\r\ncache-control: private, max-age=600\r\n/);
    for (const name of ['surrogate-control', 'cdn-cache-control', 'cloudflare-cdn-cache-control']) {
      assert.ok(!reply.includes(`\r\n${name}:`), name);
    }
  });

  it('leaves responses without cookies as the origin and operator made them', async () => {
    const reply = (await get(server, '/article')).toLowerCase();
    assert.match(reply, /\r\ncache-control: public, max-age=600\r\n/);
    assert.match(reply, /\r\nsurrogate-control: max-age=9\r\n/);
  });
});

describe('findings 4 and 5: auth sees the path the origin sees, and keeps its credentials', () => {
  let origin: TestOrigin;
  let server: TestServer;
  before(async () => {
    origin = await startEchoOrigin();
    server = await startTestServer(
      testSettings(
        origin.url,
        `${SECURE_HANDLER}\n[[handlers]]\npath = "^/Exact"\ncase_sensitive = true\nusername = "editor"\npassword = "${PASSWORD}"\n`,
      ),
    );
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('challenges every spelling of a protected path, or refuses it, without asking the origin', async () => {
    const before = origin.seen.length;
    for (const target of [
      '/%73ecure',
      '/%73%65%63%75%72%65/admin',
      '/SECURE',
      '/Secure/admin',
      '//secure',
      '/x/../secure',
      '/x/%2e%2e/secure',
      '/./secure',
    ]) {
      assert.equal(statusOf(await get(server, target)), 401, target);
    }
    for (const target of [
      '/.%2fsecure',
      '/x%2f..%2fsecure',
      '/x%2F..%2Fsecure',
      '/x%5c..%5csecure',
      '/secure%00',
      '/public/..;/secure',
      '/public/.;/secure',
    ]) {
      const reply = await get(server, target);
      assert.equal(statusOf(reply), 400, `${target}: ${reply}`);
    }
    assert.equal(origin.seen.length, before, 'the origin was asked for a protected path');
  });

  it('forwards exactly the path it matched, and strips the credentials the handler took', async () => {
    const reply = await get(server, '/%73ecure/%61dmin%3F?x=%2F', {
      authorization: basic('editor', PASSWORD),
    });
    assert.equal(statusOf(reply), 200, reply);
    const seen = origin.seen.at(-1);
    assert.equal(seen?.url, '/secure/admin%3F?x=%2F');
    assert.equal(seen?.headers.authorization, undefined);
    assert.ok(!JSON.stringify(seen?.rawHeaders).includes(PASSWORD));
  });

  it("passes a client's Authorization to the origin where no handler consumed it", async () => {
    const reply = await get(server, '/api', { authorization: 'Bearer for-the-origin' });
    assert.equal(statusOf(reply), 200);
    assert.equal(origin.seen.at(-1)?.headers.authorization, 'Bearer for-the-origin');
  });

  it('matches case-sensitively only where a handler asks to', async () => {
    assert.equal(statusOf(await get(server, '/Exact')), 401);
    assert.equal(statusOf(await get(server, '/EXACT')), 200);
  });
});

describe('finding 6: client identity headers', () => {
  let origin: TestOrigin;
  let direct: TestServer;
  let behindProxy: TestServer;
  const spoofed = {
    'True-Client-IP': '203.0.113.9',
    'CF-Connecting-IP': '203.0.113.9',
    'X-Client-IP': '203.0.113.9',
    'Client-IP': '203.0.113.9',
    'X-Cluster-Client-IP': '203.0.113.9',
    'Fastly-Client-IP': '203.0.113.9',
    X_Forwarded_For: '203.0.113.9',
    X_Forwarded_Host: 'evil.test',
    X_Real_IP: '203.0.113.9',
    x_ts_ec: 'forged',
    True_Client_IP: '203.0.113.9',
  };
  before(async () => {
    origin = await startOrigin((_req, res) => res.end('ok'));
    direct = await startTestServer(testSettings(origin.url));
    behindProxy = await startTestServer(
      testSettings(origin.url, '[proxy]\ntrusted_proxies = ["127.0.0.1"]\n'),
    );
  });
  after(async () => {
    await direct.close();
    await behindProxy.close();
    await origin.close();
  });

  const forwarded = () => {
    const raw = origin.seen.at(-1)?.rawHeaders ?? [];
    return raw.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase());
  };

  it('strips every client-identity header, in either spelling, from an untrusted peer', async () => {
    assert.equal(statusOf(await get(direct, '/', spoofed)), 200);
    const names = forwarded();
    for (const name of Object.keys(spoofed)) {
      assert.ok(!names.includes(name.toLowerCase()), `${name} reached the origin`);
    }
    assert.equal(origin.seen.at(-1)?.headers['x-forwarded-for'], '127.0.0.1');
  });

  it('lets a trusted proxy name the client, but never in underscore spelling', async () => {
    assert.equal(statusOf(await get(behindProxy, '/', spoofed)), 200);
    const names = forwarded();
    assert.ok(names.includes('true-client-ip'));
    assert.ok(names.includes('cf-connecting-ip'));
    for (const name of names) assert.ok(!name.includes('_'), `${name} reached the origin`);
  });
});

describe('finding 7: a total deadline on every response (proxy.max_response_ms)', () => {
  let origin: TestOrigin;
  let server: TestServer;
  const timers = new Set<NodeJS.Timeout>();
  before(async () => {
    origin = await startOrigin(
      (req, res) => {
        const type =
          req.url === '/events'
            ? 'text/event-stream'
            : req.url === '/image'
              ? 'image/png'
              : 'text/html';
        res.writeHead(200, { 'content-type': type });
        res.write(type === 'text/html' ? '<html><head></head><body>' : 'data: 0\n\n');
        // A byte every 50 ms: never idle long enough for the between-bytes timeout.
        const timer = setInterval(() => res.write(type === 'text/html' ? 'x' : 'data: 1\n\n'), 50);
        timers.add(timer);
        res.on('close', () => clearInterval(timer));
      },
      { streaming: true },
    );
    server = await startTestServer(testSettings(origin.url, '[proxy]\nmax_response_ms = 600\n'));
  });
  after(async () => {
    for (const timer of timers) clearInterval(timer);
    await server.close();
    await origin.close();
  });

  /** Reads a response until it ends, errors or `limitMs` passes. */
  const read = (path: string, limitMs: number) =>
    new Promise<{ outcome: 'ended' | 'cut' | 'still open'; ms: number; bytes: number }>(
      (resolve) => {
        const started = Date.now();
        let bytes = 0;
        const request = http.get(`${server.url}${path}`, (res) => {
          res.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
          res.on('end', () => resolve({ outcome: 'ended', ms: Date.now() - started, bytes }));
          res.on('error', () => resolve({ outcome: 'cut', ms: Date.now() - started, bytes }));
        });
        request.on('error', () => resolve({ outcome: 'cut', ms: Date.now() - started, bytes }));
        setTimeout(() => {
          resolve({ outcome: 'still open', ms: Date.now() - started, bytes });
          request.destroy();
        }, limitMs);
      },
    );

  for (const path of ['/page', '/image']) {
    it(`cuts off a dripping ${path === '/page' ? 'rewritten page' : 'passed-through body'} at the deadline, never a clean end`, async () => {
      const got = await read(path, 5000);
      assert.equal(got.outcome, 'cut');
      assert.ok(got.ms >= 500 && got.ms < 3000, `${got.ms} ms`);
      assert.ok(got.bytes > 0);
    });
  }

  it('leaves event streams open past it', async () => {
    const got = await read('/events', 1500);
    assert.equal(got.outcome, 'still open');
    assert.ok(got.bytes > 0);
  });
});

describe('finding 8: ambiguous requests, and what the access log records', () => {
  let origin: TestOrigin;
  let server: TestServer;
  before(async () => {
    origin = await startOrigin(
      (req, res) => {
        if (req.url === '/reset') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.write(Buffer.alloc(64 * 1024, 1));
          setTimeout(() => res.socket?.destroy(), 50);
          return;
        }
        res.end('ok');
      },
      { streaming: true },
    );
    server = await startTestServer(testSettings(origin.url));
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('refuses two Host headers with 400, without asking the origin', async () => {
    const before = origin.seen.length;
    const reply = await rawRequest(
      server.port,
      'GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.test\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(reply), 400, reply);
    assert.equal(origin.seen.length, before);
  });

  it('refuses an h2c upgrade, with or without Connection: Upgrade', async () => {
    const before = origin.seen.length;
    for (const connection of ['Upgrade, HTTP2-Settings', 'close']) {
      const reply = await rawRequest(
        server.port,
        `GET / HTTP/1.1\r\nHost: localhost\r\nConnection: ${connection}\r\nUpgrade: h2c\r\n` +
          'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
        1000,
      );
      assert.equal(statusOf(reply), 400, reply);
    }
    assert.equal(origin.seen.length, before);
  });

  it('refuses CONNECT with 405 and logs it', async () => {
    const reply = await rawRequest(
      server.port,
      'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
      1000,
    );
    assert.equal(statusOf(reply), 405, reply);
    assert.ok(server.logs.some((line) => line.includes('"method":"CONNECT"')));
  });

  it('logs the bytes a cut-off response really sent', async () => {
    const reply = await rawRequest(
      server.port,
      'GET /reset HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      3000,
    );
    assert.equal(statusOf(reply), 200);
    const line = server.logs.findLast((entry) => entry.includes('"path":"/reset"'));
    assert.ok(line, 'no access-log line');
    const bytes = (JSON.parse(line) as { bytes: number }).bytes;
    assert.equal(bytes, 64 * 1024, line);
  });

  it('logs upgrades', async () => {
    await rawRequest(
      server.port,
      'GET /chat HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      500,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const line = server.logs.findLast((entry) => entry.includes('"path":"/chat"'));
    assert.ok(line, 'no access-log line for the upgrade');
    assert.match(line, /"upgrade":"websocket"/);
  });
});
