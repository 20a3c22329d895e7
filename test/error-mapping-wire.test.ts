/**
 * The Node adapter's own error paths, on real sockets: what its HTTP parser refuses, requests that
 * make no URL, CONNECT, the WebSocket tunnel's failures and a body that breaks mid-way all answer
 * through the one error mapping (the body and headers of errorResponse, finalize headers, one log
 * line with code and status), as app-errors.test.ts pins for core in process.
 */
import assert from 'node:assert/strict';
import net, { type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from './helpers/origin.ts';
import { rawRequest, statusOf } from './helpers/raw-http.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { testSettings } from './helpers/settings.ts';

const WEBSOCKET =
  'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

interface Reply {
  status: number;
  headers: Map<string, string>;
  body: string;
}

function parse(raw: string): Reply {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = split === -1 ? '' : raw.slice(split + 4);
  if (headers.get('transfer-encoding') === 'chunked') {
    body = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
  }
  return { status: statusOf(raw), headers, body };
}

/** The log lines of the error shape with this code. */
function errorLines(server: TestServer, code: string): Array<Record<string, unknown>> {
  return server.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => record.code === code && typeof record.status === 'number');
}

function assertMapped(reply: Reply, status: number, body: string): void {
  assert.equal(reply.status, status);
  assert.equal(reply.body, body);
  assert.equal(reply.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(reply.headers.get('cache-control'), 'no-store');
  assert.ok(reply.headers.get('x-ts-version'), 'not finalized: x-ts-version missing');
}

describe('Node adapter error paths go through the error mapping (real sockets)', () => {
  let origin: TestOrigin;
  let server: TestServer;

  before(async () => {
    origin = await startOrigin(
      (req, res) => {
        if (req.url === '/reset') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.write(Buffer.alloc(1024));
          setTimeout(() => req.socket.destroy(), 20);
          return;
        }
        res.end('fine');
      },
      { streaming: true },
    );
    server = await startTestServer(
      testSettings(origin.url, '[server]\nmax_headers_count = 20\nmax_header_size = 2048\n'),
    );
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('a Host whose port no URL can hold → mapped 400 and a bad_request line', async () => {
    const reply = parse(
      await rawRequest(
        server.port,
        'GET /a HTTP/1.1\r\nHost: localhost:99999\r\nConnection: close\r\n\r\n',
      ),
    );
    assertMapped(reply, 400, 'Bad request\n');
    assert.equal(reply.headers.get('connection'), 'close');
    const [line] = errorLines(server, 'bad_request');
    assert.equal(line?.status, 400);
    assert.equal(line?.path, '/a');
    assert.equal(origin.seen.length, 0);
  });

  it('more header fields than server.max_headers_count → mapped 431', async () => {
    const fields = Array.from({ length: 25 }, (_, i) => `X-F${i}: v\r\n`).join('');
    const reply = parse(
      await rawRequest(
        server.port,
        `GET / HTTP/1.1\r\nHost: localhost\r\n${fields}Connection: close\r\n\r\n`,
      ),
    );
    assertMapped(reply, 431, 'Request header fields too large\n');
    assert.match(
      String(errorLines(server, 'header_fields_too_large')[0]?.msg),
      /max_headers_count/,
    );
  });

  it('headers past server.max_header_size (refused by the parser) → mapped 431', async () => {
    const reply = parse(
      await rawRequest(
        server.port,
        `GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`,
      ),
    );
    assertMapped(reply, 431, 'Request header fields too large\n');
  });

  it('a malformed request line (refused by the parser) → mapped 400', async () => {
    const reply = parse(await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost localhost\r\n\r\n'));
    assertMapped(reply, 400, 'Bad request\n');
    assert.ok(
      errorLines(server, 'bad_request').some((line) => /HTTP parser/.test(String(line.msg))),
    );
  });

  it('CONNECT → mapped 405 with Allow, and an error line besides the access line', async () => {
    const reply = parse(
      await rawRequest(server.port, 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n'),
    );
    assertMapped(reply, 405, 'Method not allowed\n');
    assert.match(reply.headers.get('allow') ?? '', /GET, HEAD/);
    assert.equal(errorLines(server, 'method_not_allowed')[0]?.method, 'CONNECT');
  });

  it('an upgrade to something other than WebSocket → mapped 400', async () => {
    const reply = parse(
      await rawRequest(
        server.port,
        'GET /chat HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: irc/6.9\r\n\r\n',
      ),
    );
    assertMapped(reply, 400, 'Unsupported upgrade\n');
    assert.equal(errorLines(server, 'bad_request').at(-1)?.path, '/chat');
  });

  it('a WebSocket upgrade with a Host no URL can hold → mapped 400', async () => {
    const reply = parse(
      await rawRequest(server.port, `GET /chat HTTP/1.1\r\nHost: localhost:99999\r\n${WEBSOCKET}`),
    );
    assertMapped(reply, 400, 'Bad request\n');
  });

  it('an origin body that breaks after the headers → cut-off response, origin_failed line', async () => {
    const raw = await rawRequest(
      server.port,
      'GET /reset HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(raw), 200);
    assert.ok(!raw.endsWith('0\r\n\r\n'), 'the response ended cleanly');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [line] = errorLines(server, 'origin_failed');
    assert.ok(line, server.logs.join('\n'));
    assert.equal(line.path, '/reset');
    assert.equal(line.status, 502);
    const access = server.logs.findLast(
      (entry) => entry.includes('"path":"/reset"') && entry.includes('"msg":"request"'),
    );
    assert.match(access ?? '', /"error":"origin_failed"/);
  });
});

describe('WebSocket tunnel origin failures go through the error mapping (real sockets)', () => {
  let refused: TestServer;
  let silent: TestServer;
  let silentOrigin: Server;
  const held = new Set<Socket>();

  before(async () => {
    const closed = await startOrigin((_req, res) => res.end());
    const closedUrl = closed.url;
    await closed.close();
    refused = await startTestServer(testSettings(closedUrl));
    // Accepts TCP and never answers the TLS ClientHello: the tunnel's connect cannot finish.
    silentOrigin = net.createServer((socket) => {
      held.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silentOrigin.listen(0, '127.0.0.1', resolve));
    const port = (silentOrigin.address() as net.AddressInfo).port;
    silent = await startTestServer(
      testSettings(`https://127.0.0.1:${port}`, '[proxy]\nconnect_timeout_ms = 200\n'),
    );
  });
  after(async () => {
    await refused.close();
    await silent.close();
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silentOrigin.close(resolve));
  });

  it('origin refuses the connection → mapped 502 and an origin_unreachable line', async () => {
    const reply = parse(
      await rawRequest(refused.port, `GET /chat HTTP/1.1\r\nHost: localhost\r\n${WEBSOCKET}`),
    );
    assertMapped(reply, 502, 'Bad gateway\n');
    const [line] = errorLines(refused, 'origin_unreachable');
    assert.equal(line?.path, '/chat');
    assert.ok(!reply.body.includes('127.0.0.1'));
  });

  it('origin never completes the connection → mapped 504 after proxy.connect_timeout_ms', async () => {
    const started = performance.now();
    const reply = parse(
      await rawRequest(silent.port, `GET /chat HTTP/1.1\r\nHost: localhost\r\n${WEBSOCKET}`, 3000),
    );
    assertMapped(reply, 504, 'Gateway timeout\n');
    assert.ok(performance.now() - started < 2000, 'the connect timeout did not fire');
    assert.match(String(errorLines(silent, 'origin_timeout')[0]?.msg), /connect_timeout_ms/);
  });
});
