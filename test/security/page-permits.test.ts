/**
 * The Node adapter works on at most `[server] max_active_pages` proxied requests at once; the rest
 * wait their turn (src/node/work-permits.ts). A queue is something a hostile peer can try to
 * clog: readers that never read, origins that stall. These show that they cannot hold other
 * readers back, that pages beyond the limit arrive whole, and that a reader who leaves while
 * waiting costs the origin nothing.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testSettings } from '../helpers/settings.ts';
import { decodeAs, injectedTag, sleep, waitFor, wireRequest } from './harness.ts';

const PERMITS = 2;

const page = (n: number) =>
  `<!doctype html><html><head><title>p${n}</title></head><body>` +
  `<a href="ORIGIN/article/${n}">article</a>${'<p>text</p>'.repeat(200)}</body></html>`;

/**
 * 32 MB of HTML, cheap to rewrite (text, no URLs): far more than loopback socket buffers hold, so
 * a reader that does not read stalls its page's pipeline.
 */
const BIG = `<!doctype html><html><head></head><body><p>${'lorem ipsum '.repeat(2_800_000)}</p></body></html>`;

const BIG_GZIP = zlib.gzipSync(BIG);

describe('page permits: a limited queue that hostile peers cannot clog (Node adapter)', () => {
  let origin: TestOrigin;
  let server: TestServer;
  const stalled: Array<() => void> = [];

  before(async () => {
    origin = await startOrigin((req, res) => {
      const self = origin.url;
      const html = { 'content-type': 'text/html; charset=utf-8' };
      if (req.url === '/stall') {
        // Headers and a first chunk, then nothing until the test lets go.
        res.writeHead(200, html);
        res.write('<!doctype html><html><head></head><body><p>first');
        stalled.push(() => res.end('</p></body></html>'));
        return;
      }
      if (req.url === '/big') {
        res.writeHead(200, { ...html, 'content-encoding': 'gzip' });
        res.end(BIG_GZIP);
        return;
      }
      if (req.url === '/drip') {
        // A page that keeps making progress for ~1.2 s.
        res.writeHead(200, html);
        let left = 40;
        const timer = setInterval(() => {
          if (left-- > 0) res.write(`<p>${left}</p>`);
          else {
            clearInterval(timer);
            res.end();
          }
        }, 30);
        res.on('close', () => clearInterval(timer));
        return;
      }
      const n = Number(/\/page\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
      res.writeHead(200, { ...html, 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(page(n).replaceAll('ORIGIN', self)));
    });
    server = await startTestServer(
      testSettings(origin.url, `[server]\nmax_active_pages = ${PERMITS}\n`),
    );
  });
  after(async () => {
    for (const release of stalled) release();
    await server.close();
    await origin.close();
  });

  /** `count` requests for the small page one after another; milliseconds for all of them. */
  async function sequentialPages(count: number): Promise<number> {
    const started = performance.now();
    for (let n = 0; n < count; n++) {
      const got = await wireRequest(`${server.url}/page/${n}`, {
        headers: { 'accept-encoding': 'gzip' },
      });
      assert.equal(got.status, 200);
      assert.equal(got.outcome, 'complete');
    }
    return performance.now() - started;
  }

  it('serves pages beyond the limit in turn, each one whole and rewritten', async () => {
    const count = PERMITS * 6;
    const answers = await Promise.all(
      Array.from({ length: count }, (_, n) =>
        wireRequest(`${server.url}/page/${n}`, { headers: { 'accept-encoding': 'br' } }),
      ),
    );
    for (const [n, got] of answers.entries()) {
      assert.equal(got.status, 200);
      assert.equal(got.outcome, 'complete');
      const html = decodeAs(got.headers['content-encoding'], got.body).toString();
      injectedTag(html);
      assert.ok(html.includes(`<title>p${n}</title>`), `page ${n} came back as another page`);
      assert.ok(html.includes(`href="http://127.0.0.1:${server.port}/article/${n}"`));
      assert.ok(html.endsWith('</body></html>'), `page ${n} was cut short`);
    }
  });

  it('does not let origins that stall hold other readers back', async () => {
    // Twice as many stalled pages as permits, each holding its connection open.
    const held = Array.from({ length: PERMITS * 2 }, () =>
      wireRequest(`${server.url}/stall`, { timeoutMs: 20_000 }),
    );
    await waitFor(() => stalled.length === PERMITS * 2, 5000, 'the stalled pages never started');
    // A holder that makes no progress gives its permit up after 100 ms; were the permits held,
    // each of these would wait the full second before starting without one.
    const ms = await sequentialPages(3);
    assert.ok(ms < 2000, `3 pages took ${Math.round(ms)} ms behind stalled origins`);
    for (const release of stalled.splice(0)) release();
    for (const got of await Promise.all(held)) assert.equal(got.outcome, 'complete');
  });

  it('does not let readers that never read hold other readers back', async () => {
    const sockets = Array.from({ length: PERMITS * 2 }, () => {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write('GET /big HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: identity\r\n\r\n');
      socket.pause(); // never reads: the server's writes back up into the page's pipeline
      return socket;
    });
    try {
      await sleep(300);
      const ms = await sequentialPages(3);
      assert.ok(ms < 2000, `3 pages took ${Math.round(ms)} ms behind readers that do not read`);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it('never asks the origin for a request whose reader left while it waited', async () => {
    // Pages that keep making progress hold every permit for ~1.2 s.
    const busy = Array.from({ length: PERMITS }, () => wireRequest(`${server.url}/drip`));
    await waitFor(
      () => origin.seen.filter((seen) => seen.url === '/drip').length === PERMITS,
      5000,
      'the dripping pages never reached the origin',
    );
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET /page/4242 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await sleep(150);
    socket.destroy();
    for (const got of await Promise.all(busy)) assert.equal(got.outcome, 'complete');
    // The queue moved on past the reader that left; the server is not stuck.
    assert.ok((await sequentialPages(2)) < 2000);
    assert.equal(
      origin.seen.some((seen) => seen.url === '/page/4242'),
      false,
      'a request whose reader had gone was still sent to the origin',
    );
  });
});
