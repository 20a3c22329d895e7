/**
 * The Node adapter rewrites at most `[server] max_active_pages` pages at once; the rest wait their
 * turn (src/node/work-permits.ts). A queue is something a hostile peer can try to clog: readers
 * that never read, origins that stall or stream for seconds. These show that they cannot hold
 * other readers back, that pages beyond the limit arrive whole, and that a reader who leaves while
 * waiting is let go.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
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
        // A page that keeps making progress for ~3 s.
        res.writeHead(200, html);
        let left = 100;
        const timer = setInterval(() => {
          if (left-- > 0) res.write(`<p>${left}</p>`);
          else {
            clearInterval(timer);
            res.end('</body></html>');
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

  /**
   * A page request whose `started` resolves once its response head has arrived — the server sends
   * it only after the page was admitted — and `done` once its body has ended whole.
   */
  function openPage(path: string): { started: Promise<void>; done: Promise<void> } {
    let started!: () => void;
    const head = new Promise<void>((resolve) => (started = resolve));
    const done = new Promise<void>((resolve, reject) => {
      http
        .get(`${server.url}${path}`, { agent: false }, (res) => {
          started();
          res.resume();
          res.on('end', () => (res.complete ? resolve() : reject(new Error(`${path} cut short`))));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    return { started: head, done };
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
    // A holder that makes no progress gives its permit up after 100 ms; were it held until the
    // 500 ms every holder gets, these would wait for the stalled pages' turns first.
    const ms = await sequentialPages(3);
    assert.ok(ms < 800, `3 pages took ${Math.round(ms)} ms behind stalled origins`);
    for (const release of stalled.splice(0)) release();
    for (const got of await Promise.all(held)) assert.equal(got.outcome, 'complete');
  });

  it('does not let readers that never read hold other readers back', async () => {
    // Three times as many as permits: three turns of 500 ms each, were they not let go sooner.
    const sockets = Array.from({ length: PERMITS * 3 }, () => {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write('GET /big HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: identity\r\n\r\n');
      socket.pause(); // never reads: the server's writes back up into the page's pipeline
      return socket;
    });
    try {
      await sleep(300);
      const ms = await sequentialPages(3);
      assert.ok(ms < 800, `3 pages took ${Math.round(ms)} ms behind readers that do not read`);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it('does not let pages that stream for seconds hold other readers back', async () => {
    // Twice as many pages as permits, each streaming for ~3 s and making progress all along; the
    // first two are admitted before the pages below ask.
    const streaming = Array.from({ length: PERMITS * 2 }, () => openPage('/drip'));
    await Promise.all(streaming.slice(0, PERMITS).map((page) => page.started));
    // A holder gives its permit up after 500 ms, progress or not: the pages after them wait for
    // the streaming pages' turns (~1 s), once. Were the permits held to the end, each of them
    // would wait a full second.
    const ms = await sequentialPages(4);
    assert.ok(ms < 2000, `4 pages took ${Math.round(ms)} ms behind pages streaming for seconds`);
    await Promise.all(streaming.map((page) => page.done));
  });

  it('lets a reader who leaves while waiting go, and serves the next ones', async () => {
    const busy = Array.from({ length: PERMITS }, () => openPage('/drip'));
    await Promise.all(busy.map((page) => page.started));
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET /page/4242 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await waitFor(
      () => origin.seen.some((seen) => seen.url === '/page/4242'),
      5000,
      'the waiting request never reached the origin',
    );
    await sleep(100);
    socket.destroy();
    // The access log line: the request ended, aborted, with nothing sent.
    const accessLine = () =>
      server.logs.find((l) => l.includes('"msg":"request"') && l.includes('"path":"/page/4242"'));
    await waitFor(() => accessLine() !== undefined, 5000, 'the abandoned request never ended');
    const line = accessLine() ?? '';
    assert.match(line, /"aborted":true/);
    assert.match(line, /"bytes":0/);
    assert.ok((await sequentialPages(2)) < 2000, 'the queue did not move on');
    await Promise.all(busy.map((page) => page.done));
  });
});
