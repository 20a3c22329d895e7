import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startOrigin, type TestOrigin } from './helpers/origin.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { testSettings } from './helpers/settings.ts';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A plain Node client: no decompression, so bytes are compared exactly as sent. */
function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ res: http.IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('aborted')));
      })
      .on('error', reject);
  });
}

function drainOrClose(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

describe('publisher proxy passthrough', () => {
  let origin: TestOrigin;
  let server: TestServer;
  const big = randomBytes(48 * 1024 * 1024);
  const gzipped = gzipSync(Buffer.from('<html><body>' + 'x'.repeat(5000) + '</body></html>'));
  let originWritten = 0;
  let release: () => void = () => {};
  let originClosed: Promise<void> = Promise.resolve();

  before(async () => {
    origin = await startOrigin(
      (req, res) => {
        const path = req.url ?? '';
        if (path.startsWith('/echo')) {
          // Streams the request body straight back, hashing it on the way.
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          req.pipe(res);
          return;
        }
        if (path === '/gzip') {
          res.writeHead(200, {
            // A type the proxy does not rewrite: its bytes pass through as they are.
            'content-type': 'application/octet-stream',
            'content-encoding': 'gzip',
            'content-length': gzipped.byteLength,
            etag: '"v1"',
          });
          res.end(gzipped);
          return;
        }
        if (path === '/drip') {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.write('<html><head>first part');
          new Promise<void>((resolve) => (release = resolve)).then(
            () => res.end('rest</html>'),
            () => {},
          );
          return;
        }
        if (path === '/big') {
          originWritten = 0;
          res.writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': big.byteLength,
          });
          void (async () => {
            for (let offset = 0; offset < big.byteLength; offset += 65536) {
              const piece = big.subarray(offset, offset + 65536);
              originWritten += piece.byteLength;
              if (!res.write(piece)) await drainOrClose(res);
              if (res.destroyed) return;
            }
            res.end();
          })();
          return;
        }
        if (path === '/forever') {
          originClosed = new Promise((resolve) => res.once('close', () => resolve()));
          res.writeHead(200, { 'content-type': 'text/plain' });
          const timer = setInterval(() => res.write('tick\n'), 10);
          res.once('close', () => clearInterval(timer));
          return;
        }
        if (path === '/hang') {
          originClosed = new Promise((resolve) => res.once('close', () => resolve()));
          return; // never answers
        }
        if (path === '/reset-cl' || path === '/reset-chunked') {
          res.writeHead(200, {
            'content-type': 'text/html',
            ...(path === '/reset-cl' ? { 'content-length': 100000 } : {}),
          });
          res.write('<html>'.padEnd(4000, 'x'));
          setTimeout(() => res.socket?.destroy(), 50);
          return;
        }
        res.writeHead(404);
        res.end();
      },
      { streaming: true },
    );
    server = await startTestServer(testSettings(origin.url));
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('forwards method, path, query and a 10 MB request body, and streams 10 MB back intact', async () => {
    const upload = randomBytes(10 * 1024 * 1024);
    const response = await fetch(`${server.url}/echo/path?a=1&b=%20x`, {
      method: 'PUT',
      body: upload,
    });
    assert.equal(response.status, 200);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(body.byteLength, upload.byteLength);
    assert.equal(sha(body), sha(upload));
    const seen = origin.seen.at(-1);
    assert.equal(seen?.method, 'PUT');
    assert.equal(seen?.url, '/echo/path?a=1&b=%20x');
  });

  it('passes compressed bodies through byte for byte, with their framing headers', async () => {
    const { res, body } = await get(`${server.url}/gzip`, { 'accept-encoding': 'gzip' });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(res.headers['content-length'], String(gzipped.byteLength));
    assert.equal(res.headers.etag, '"v1"');
    assert.ok(body.equals(gzipped));
  });

  it('sends the first bytes before the origin has finished', async () => {
    const response = await fetch(`${server.url}/drip`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let first = '';
    while (!first.includes('first part'))
      first += Buffer.from((await reader.read()).value!).toString();
    // The head of the page (rewritten: tsjs injected) arrived while the origin still holds the rest.
    assert.match(
      first,
      /^<html><head><script src="\/static\/tsjs=tsjs-unified\.min\.js\?v=[0-9a-f]{64}" id="trustedserver-js"><\/script>first part$/,
    );
    release();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += Buffer.from(value).toString();
    }
    assert.equal(rest, 'rest</html>');
  });

  it('applies backpressure: a client that stops reading stalls the origin, memory stays bounded', async () => {
    const req = http.get(`${server.url}/big`);
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    res.pause();
    // Let every buffer on the way fill up.
    let previous = -1;
    while (previous !== originWritten) {
      previous = originWritten;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    // Kernel socket buffers on two loopback connections can hold ~20 MB; the proxy itself must
    // hold almost nothing, so the origin stalls far short of the 48 MB body.
    assert.ok(
      originWritten < 32 * 1024 * 1024,
      `origin wrote ${originWritten} bytes to a paused client`,
    );
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.resume();
    await once(res, 'end');
    assert.equal(sha(Buffer.concat(chunks)), sha(big));
  });

  it('cancels the origin request when the client disconnects mid-body', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/forever`, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await Promise.race([
      originClosed,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('origin request not cancelled')), 2000),
      ),
    ]);
  });

  it('cancels the origin request when the client disconnects before the origin answered', async () => {
    const controller = new AbortController();
    const pending = fetch(`${server.url}/hang`, { signal: controller.signal }).catch(
      () => undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    controller.abort();
    await pending;
    await Promise.race([
      originClosed,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('origin request not cancelled')), 2000),
      ),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(
      server.logs.some(
        (line) => line.includes('"path":"/hang"') && line.includes('"aborted":true'),
      ),
    );
  });

  for (const path of ['/reset-cl', '/reset-chunked']) {
    it(`aborts the client response when the origin resets mid-body (${path})`, async () => {
      await assert.rejects(
        get(`${server.url}${path}`),
        /aborted|ECONNRESET|socket hang up|premature/i,
      );
    });
  }

  it('tunnels a WebSocket upgrade to the origin', async () => {
    const wsOrigin = await startOrigin((_req, res) => res.end());
    wsOrigin.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      const key = String(req.headers['sec-websocket-key']);
      const accept = createHash('sha1')
        .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Seen-Host: ${req.headers.host}\r\n\r\n`,
      );
      socket.on('data', (data: Buffer) =>
        socket.write(Buffer.concat([Buffer.from('echo:'), data])),
      );
    });
    const wsServer = await startTestServer(testSettings(wsOrigin.url));
    try {
      const socket = net.connect(wsServer.port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        'GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      let received = '';
      socket.on('data', (data: Buffer) => {
        received += data.toString('latin1');
        if (received.includes('\r\n\r\n') && !received.includes('echo:')) socket.write('hello');
      });
      const deadline = Date.now() + 2000;
      while (!received.includes('echo:hello') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      socket.destroy();
      assert.match(received, /^HTTP\/1\.1 101 Switching Protocols/);
      assert.match(received, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
      assert.match(received, new RegExp(`X-Seen-Host: ${new URL(wsOrigin.url).host}`));
      assert.match(received, /echo:hello/);
    } finally {
      await wsServer.close();
      await wsOrigin.close();
    }
  });
});
