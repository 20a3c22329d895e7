/**
 * Security checklist item 23: hostile clients against the Node adapter. Slow headers and slow
 * bodies are cut off at the configured timeouts without starving other clients; header limits
 * reject at the configured boundary and never truncate what they let through.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { statusOf } from '../helpers/raw-http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testSettings } from '../helpers/settings.ts';
import { rawExchange, sleep, waitFor, within, wireRequest } from './harness.ts';

const HEADERS_TIMEOUT = 500;
const REQUEST_TIMEOUT = 1000;
const MAX_HEADERS = 30;
const MAX_HEADER_SIZE = 8192;

/** A connection that sends `bytes` one byte per `every` ms; records when the server closed it. */
function trickle(port: number, bytes: string, every: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let answer = '';
  socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < bytes.length && socket.writable) socket.write(bytes.charAt(sent++));
  }, every);
  const started = performance.now();
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(performance.now() - started);
    }),
  );
  return {
    closed,
    answer: () => answer,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

describe('checklist 23: slow and oversized clients (Node adapter)', () => {
  let origin: TestOrigin;
  let server: TestServer;
  const aborted: string[] = [];

  before(async () => {
    origin = await startOrigin(
      (req, res) => {
        let complete = false;
        req.on('end', () => (complete = true));
        req.on('close', () => {
          if (!complete) aborted.push(req.url ?? '');
        });
        req.resume();
        req.on('end', () => {
          // Not a rewritten type: the echo comes back as it was sent, in one chunk.
          const echo = JSON.stringify(req.headers);
          res.writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': Buffer.byteLength(echo),
          });
          res.end(echo);
        });
      },
      { streaming: true },
    );
    server = await startTestServer(
      testSettings(
        origin.url,
        `[server]\nheaders_timeout_ms = ${HEADERS_TIMEOUT}\nrequest_timeout_ms = ${REQUEST_TIMEOUT}\n` +
          `max_headers_count = ${MAX_HEADERS}\nmax_header_size = ${MAX_HEADER_SIZE}\n`,
      ),
    );
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('20 slowloris connections are all cut off, and a normal client is served meanwhile', async () => {
    const before = origin.seen.length;
    const slow = Array.from({ length: 20 }, () =>
      trickle(server.port, 'GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaa', 50),
    );
    try {
      await sleep(100);
      const started = performance.now();
      const normal = await wireRequest(`${server.url}/normal`);
      assert.equal(normal.status, 200);
      assert.ok(performance.now() - started < 3000, 'a normal request waited behind slow ones');
      await within(
        Promise.all(slow.map((connection) => connection.closed)),
        HEADERS_TIMEOUT + 4000,
        'a slow-headers connection was still open long after headers_timeout_ms',
      );
      for (const connection of slow) {
        assert.ok(/^(|HTTP\/1\.1 408 [^]*)$/.test(connection.answer()), connection.answer());
      }
      assert.equal(origin.seen.length, before + 1, 'a slow request reached the origin');
    } finally {
      for (const connection of slow) connection.stop();
    }
  });

  it('a request body that trickles in is cut off at request_timeout_ms; the origin never gets it whole', async () => {
    const body = 'x'.repeat(40);
    const slow = trickle(
      server.port,
      `POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n${body}`,
      1,
    );
    try {
      await within(slow.closed, REQUEST_TIMEOUT + 4000, 'a slow upload was never cut off');
      await waitFor(() => aborted.includes('/upload'), 3000, 'the origin request was not aborted');
      assert.doesNotMatch(slow.answer(), /^HTTP\/1\.1 200/);
    } finally {
      slow.stop();
    }
  });

  const request = (headers: string[]) =>
    `GET /h HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
  /** Header lines with distinct names, so a dropped one shows. */
  const numbered = (count: number) => Array.from({ length: count }, (_, i) => `X-H${i}: v${i}`);

  it(`exactly max_headers_count (${MAX_HEADERS}) fields pass whole; one more → 431, not truncated`, async () => {
    // Host and Connection count too.
    const ok = await rawExchange(server.port, request(numbered(MAX_HEADERS - 2)));
    assert.equal(statusOf(ok.text), 200, ok.text.slice(0, 100));
    const echoed = JSON.parse(ok.text.slice(ok.text.indexOf('\r\n\r\n') + 4)) as Record<
      string,
      string
    >;
    assert.equal(echoed[`x-h${MAX_HEADERS - 3}`], `v${MAX_HEADERS - 3}`, 'the last field was lost');
    const before = origin.seen.length;
    for (const count of [MAX_HEADERS - 1, MAX_HEADERS + 50, 1000]) {
      const over = await rawExchange(server.port, request(numbered(count)));
      assert.equal(statusOf(over.text), 431, `${count + 2} fields: ${over.text.slice(0, 80)}`);
    }
    assert.equal(origin.seen.length, before, 'an over-count request reached the origin');
  });

  it(`headers under max_header_size (${MAX_HEADER_SIZE}) pass intact; past it → 431`, async () => {
    const under = await rawExchange(
      server.port,
      request([`X-Big: ${'a'.repeat(MAX_HEADER_SIZE - 1024)}`]),
    );
    assert.equal(statusOf(under.text), 200);
    assert.ok(under.text.includes('a'.repeat(MAX_HEADER_SIZE - 1024)), 'the value was cut');
    const before = origin.seen.length;
    for (const lines of [
      [`X-Big: ${'a'.repeat(MAX_HEADER_SIZE + 1)}`],
      Array.from({ length: 20 }, (_, i) => `X-M${i}: ${'b'.repeat(MAX_HEADER_SIZE / 16)}`),
      [`X-${'n'.repeat(MAX_HEADER_SIZE + 1)}: 1`],
    ]) {
      const over = await rawExchange(server.port, request(lines));
      assert.equal(statusOf(over.text), 431, over.text.slice(0, 80));
      assert.ok(over.closed, 'the connection stayed open after 431');
    }
    assert.equal(origin.seen.length, before);
  });
});
