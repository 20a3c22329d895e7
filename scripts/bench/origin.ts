/**
 * The bench's own publisher origin, in the bench process so its clock is the client's:
 *   /             the fixture page, gzip with Content-Length (a CDN-cached page)
 *   /drip         the fixture page, identity, 16 KiB every 10 ms
 *   /drip-gzip    the fixture page, gzip, 4 KiB every 10 ms
 *   /big          the page repeated to 50 MB, written as fast as the reader takes it
 *   /small        a page of under 1 KiB, identity: what a request costs apart from its page
 * Without ../shared/fixtures the demo site's article stands in for the fixture page.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { demoPage } from '../../src/demo/pages.ts';

/** The host the fixture's URLs name; the server under test reaches it through `origin_address`. */
export const ORIGIN_HOST = 'www.test-publisher.com';
const FIXTURE = fileURLToPath(
  new URL('../../../shared/fixtures/publisher-page.html', import.meta.url),
);

const SMALL_PAGE = `<!DOCTYPE html><html><head><title>Small</title>
<script src="https://${ORIGIN_HOST}/js/app.js"></script></head>
<body><h1>Small page</h1><p><a href="https://${ORIGIN_HOST}/next">next</a></p></body></html>`;

export interface BenchOrigin {
  port: number;
  /** What `/` serves, for reports. */
  pageName: string;
  pageBytes: number;
  /** Times (performance.now) of the last drip's first and last body write. */
  lastDrip: { first: number; last: number };
  close(): void;
}

function loadPage(): { name: string; body: Buffer } {
  if (existsSync(FIXTURE))
    return { name: 'fixture publisher-page.html', body: readFileSync(FIXTURE) };
  console.log(`note: ${FIXTURE} not found; using the demo article page instead`);
  return {
    name: 'demo article (fixture absent)',
    body: Buffer.from(demoPage('/', `https://${ORIGIN_HOST}`).body),
  };
}

export async function startBenchOrigin(): Promise<BenchOrigin> {
  const page = loadPage();
  const pageGzip = gzipSync(page.body);
  const lastDrip = { first: 0, last: 0 };
  const html = { 'content-type': 'text/html; charset=utf-8' };

  const drip = (res: http.ServerResponse, body: Buffer, step: number, gzip: boolean) => {
    res.writeHead(200, { ...html, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    let offset = 0;
    const tick = () => {
      if (offset === 0) lastDrip.first = performance.now();
      res.write(body.subarray(offset, offset + step));
      offset += step;
      if (offset >= body.byteLength) {
        lastDrip.last = performance.now();
        res.end();
      } else setTimeout(tick, 10);
    };
    tick();
  };

  // The whole page over and over until 50 MB: every element and script closes as on the real
  // page. (Cutting the page at arbitrary lengths instead leaves scripts open in odd tokenizer
  // states, so one "script" runs on to the text-handler cap — a different, pathological test.)
  const big = (res: http.ServerResponse) => {
    res.writeHead(200, html);
    let sent = 0;
    const pump = () => {
      while (sent < 50 * 1024 * 1024) {
        sent += page.body.byteLength;
        if (!res.write(page.body)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/drip') return drip(res, page.body, 16 * 1024, false);
    if (path === '/drip-gzip') return drip(res, pageGzip, 4 * 1024, true);
    if (path === '/big') return big(res);
    if (path === '/small') return res.end(SMALL_PAGE);
    res.writeHead(200, {
      ...html,
      'content-encoding': 'gzip',
      'content-length': pageGzip.byteLength,
    });
    res.end(req.method === 'HEAD' ? undefined : pageGzip);
  });
  server.keepAliveTimeout = 60000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    pageName: page.name,
    pageBytes: page.body.byteLength,
    lastDrip,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}
