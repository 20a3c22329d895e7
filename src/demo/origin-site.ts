/**
 * The demo publisher origin: a plain Node HTTP server that gzips like a real CDN origin would
 * (when the client accepts it) and echoes POSTs, so the proxy path can be seen end to end offline.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { demoPage } from './pages.ts';

export interface DemoOrigin {
  url: string;
  close(): Promise<void>;
}

export async function startDemoOrigin(host = '127.0.0.1', port = 0): Promise<DemoOrigin> {
  let origin = '';
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!DOCTYPE html><title>Thanks</title><p>Received ${Buffer.concat(chunks).byteLength} bytes at ${path}. <a href="${origin}/">Back</a></p>`,
        );
      });
      return;
    }
    const page = demoPage(path, origin);
    const body = Buffer.from(page.body);
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const payload = gzip ? gzipSync(body) : body;
    res.writeHead(page.status, {
      'content-type': page.type,
      'content-length': payload.byteLength,
      'cache-control': 'public, max-age=60',
      vary: 'Accept-Encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : payload);
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  origin = `http://${host}:${address.port}`;
  return {
    url: origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
