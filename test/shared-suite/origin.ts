/**
 * The scripted publisher origin every runtime of the shared suite proxies: one loopback server,
 * reached by its configured name `www.origin.test` through `proxy.origin_address`.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { encodeBody, encodedHeaders, urlRichPage } from '../helpers/http-bodies.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { sharedFixture } from '../helpers/shared-fixtures.ts';

export const ORIGIN = 'http://www.origin.test';

/** Bytes no rewriter may touch (and that do not compress). */
export const IMAGE = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 131) % 251));

export const FIXTURE = sharedFixture('publisher-page.html');

export const page = (self: string) => urlRichPage(self, { secondHead: true });

export async function startSuiteOrigin(): Promise<TestOrigin> {
  const fixture = FIXTURE.skip === false ? readFileSync(FIXTURE.path) : undefined;
  return startOrigin((req, res) => {
    const url = new URL(req.url ?? '/', ORIGIN);
    const coding = url.searchParams.get('coding') ?? 'identity';
    const send = (type: string, body: Buffer, extra: http.OutgoingHttpHeaders = {}) => {
      const encoded = encodeBody(coding, body);
      res.writeHead(200, encodedHeaders(coding, type, encoded, extra));
      res.end(encoded);
    };
    switch (url.pathname) {
      case '/page':
        return send('text/html; charset=utf-8', Buffer.from(page(ORIGIN)));
      case '/fixture':
        if (fixture === undefined) break;
        return send('text/html; charset=utf-8', fixture);
      case '/duplicate-attribute':
        return send(
          'text/html; charset=utf-8',
          Buffer.from(`<p><a href="${ORIGIN}/1" href="${ORIGIN}/2">x</a></p>`),
        );
      case '/style.css':
        return send(
          'text/css',
          Buffer.from(`a{background:url("${ORIGIN}/a.png")} b{background:url(${ORIGIN}/b.png)}`),
        );
      case '/app.js':
        return send(
          'application/javascript',
          Buffer.from(`fetch("${ORIGIN}/api");const other="https://cdn.test/x.js";`),
        );
      case '/api.json':
        return send('application/json', Buffer.from(JSON.stringify({ u: `${ORIGIN}/x` })));
      case '/image.png':
        return send('image/png', IMAGE);
      case '/204':
      case '/205':
        res.writeHead(Number(url.pathname.slice(1)), { 'x-origin-said': 'nothing' });
        return res.end();
      case '/revalidate':
        if (req.headers['if-none-match'] === '"v1"') {
          res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60' });
          return res.end();
        }
        return send('text/html; charset=utf-8', Buffer.from(page(ORIGIN)), { etag: '"v1"' });
      case '/personal':
        return send('text/html; charset=utf-8', Buffer.from('<p>hi</p>'), {
          'set-cookie': 'session=reader-one; Path=/; HttpOnly',
          'cache-control': 'public, s-maxage=600, max-age=30',
          'surrogate-control': 'max-age=600',
          'cdn-cache-control': 'max-age=600',
        });
      case '/drip': {
        // A byte every 50 ms, forever: never idle long enough for a between-bytes timeout.
        res.writeHead(200, { 'content-type': url.searchParams.get('type') ?? 'image/png' });
        const timer = setInterval(() => res.write('x'), 50);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/redirect':
        res.writeHead(302, {
          location: `${ORIGIN}/page`,
          'set-cookie': [
            'sid=1; Domain=www.origin.test; Path=/',
            'other=2; Domain=elsewhere.test; Path=/',
          ],
        });
        return res.end();
    }
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<html><head></head><body><a href="${ORIGIN}/">home</a></body></html>`);
  });
}
