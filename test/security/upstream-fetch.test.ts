/**
 * `fetchUpstream` on Node (core's rules in src/core/upstream/upstream-fetch.ts over the undici
 * transport), against real third-party stand-ins on loopback: what a bidder, a sync partner or a
 * creative host can do to the server, and what the server must never send them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { TsError } from '../../src/core/errors.ts';
import { createUpstreamFetch, type UpstreamFetcher } from '../../src/node/upstream-fetch.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';

const OPTIONS = { timeoutMs: 400, maxResponseBytes: 64 * 1024 };

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof TsError, `expected a TsError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

describe('fetchUpstream (Node)', () => {
  let upstream: UpstreamFetcher;
  let host: TestOrigin;

  before(async () => {
    upstream = createUpstreamFetch();
    host = await startOrigin(
      (req, res) => {
        const path = req.url ?? '/';
        if (path === '/echo') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: true }));
        } else if (path === '/redirect') {
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
          res.end();
        } else if (path === '/silent') {
          // Never answers.
        } else if (path === '/stall-body') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('first bytes');
        } else if (path === '/declared-huge') {
          res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
          res.write('x'.repeat(1024));
        } else if (path === '/growing') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const chunk = 'y'.repeat(16 * 1024);
          let sent = 0;
          const timer = setInterval(() => {
            if (res.destroyed || sent++ > 40) return (clearInterval(timer), res.end());
            res.write(chunk);
          }, 1);
        } else if (path === '/gzip') {
          const body = zlib.gzipSync(Buffer.from('decoded text '.repeat(100)));
          res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(body.length) });
          res.end(body);
        } else if (path === '/bomb') {
          const body = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024));
          res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(body.length) });
          res.end(body);
        } else {
          res.writeHead(404);
          res.end();
        }
      },
      { streaming: true },
    );
  });
  after(async () => {
    await upstream.close();
    await host.close();
  });

  it("never sends the reader's cookies or credentials, only the one cookie named", async () => {
    const request = new Request(`${host.url}/echo`, {
      headers: {
        cookie: 'session=reader-secret; euconsent-v2=CPraw',
        authorization: 'Basic cHVibGlzaGVyOnNlY3JldA==',
        'proxy-authorization': 'Basic eDp5',
        'x-bidder-header': 'kept',
      },
    });
    const response = await upstream.fetch(request, OPTIONS);
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    const seen = host.seen.at(-1);
    assert.equal(seen?.headers.cookie, undefined);
    assert.equal(seen?.headers.authorization, undefined);
    assert.equal(seen?.headers['proxy-authorization'], undefined);
    assert.equal(seen?.headers['x-bidder-header'], 'kept');

    const withCookie = await upstream.fetch(request, { ...OPTIONS, cookie: 'ts-ec=abc.def' });
    await withCookie.arrayBuffer();
    assert.equal(host.seen.at(-1)?.headers.cookie, 'ts-ec=abc.def');
  });

  it('returns a redirect as it is, never following it', async () => {
    const response = await upstream.fetch(new Request(`${host.url}/redirect`), OPTIONS);
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), 'http://169.254.169.254/latest/meta-data/');
    assert.equal(host.seen.filter((seen) => seen.url.startsWith('/latest')).length, 0);
  });

  it('fails as upstream_timeout at the deadline when a host never answers', async () => {
    const started = performance.now();
    await assert.rejects(
      upstream.fetch(new Request(`${host.url}/silent`), OPTIONS),
      isCode('upstream_timeout'),
    );
    const took = performance.now() - started;
    assert.ok(took >= 350 && took < 1500, `took ${took} ms for a 400 ms deadline`);
  });

  it('errors the body at the deadline when a host stalls mid-body: never a clean short body', async () => {
    const response = await upstream.fetch(new Request(`${host.url}/stall-body`), OPTIONS);
    assert.equal(response.status, 200);
    await assert.rejects(response.text(), isCode('upstream_timeout'));
  });

  it('refuses a declared body over the cap before reading it', async () => {
    await assert.rejects(
      upstream.fetch(new Request(`${host.url}/declared-huge`), OPTIONS),
      (error: unknown) =>
        isCode('upstream_too_large')(error) &&
        /10485760 bytes/.test(String((error as Error).message)),
    );
  });

  it('errors a body that grows past the cap, chunked or decompressed', async () => {
    const growing = await upstream.fetch(new Request(`${host.url}/growing`), OPTIONS);
    await assert.rejects(growing.arrayBuffer(), isCode('upstream_too_large'));
    // 8 MiB of zeros in ~8 KB of gzip: the cap counts decoded bytes.
    const bomb = await upstream.fetch(new Request(`${host.url}/bomb`), OPTIONS);
    await assert.rejects(bomb.arrayBuffer(), isCode('upstream_too_large'));
  });

  it('decodes a compressed body and drops the headers that described the wire', async () => {
    const response = await upstream.fetch(new Request(`${host.url}/gzip`), OPTIONS);
    assert.equal(await response.text(), 'decoded text '.repeat(100));
    assert.equal(response.headers.get('content-encoding'), null);
    assert.equal(response.headers.get('content-length'), null);
  });

  it('refuses URLs that are not http(s)', async () => {
    // (A URL with credentials cannot even become a Request: the platform refuses it first.)
    await assert.rejects(
      upstream.fetch(new Request('file:///etc/passwd'), OPTIONS),
      isCode('upstream_failed'),
    );
  });

  it('stops when the caller aborts, and reports a refused connection as upstream_failed', async () => {
    const controller = new AbortController();
    const pending = upstream.fetch(new Request(`${host.url}/silent`), {
      ...OPTIONS,
      timeoutMs: 5000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('auction over')), 50);
    await assert.rejects(pending, isCode('upstream_failed'));

    const closed = await startOrigin(() => {});
    const closedUrl = closed.url;
    await closed.close();
    await assert.rejects(
      upstream.fetch(new Request(`${closedUrl}/x`), OPTIONS),
      isCode('upstream_failed'),
    );
  });
});
