/**
 * What every `fetchUpstream` must do, whatever platform carries the request, as one suite each
 * implementation runs (Node's undici transport; the Workers transport inside workerd): against a
 * real third-party stand-in on loopback, what a bidder, a sync partner or a creative host can do to
 * the server, and what the server must never send them.
 *
 * A platform that cannot honour a case names it in `skips` with the reason, which the runner
 * prints: a difference is stated, never silently passed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import zlib from 'node:zlib';
import { TsError } from '../../src/core/errors.ts';
import type { UpstreamFetch } from '../../src/core/upstream/upstream-fetch.ts';
import { makeSelfSignedCertificate } from '../helpers/self-signed.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';

export interface UpstreamFetchHarness {
  fetch: UpstreamFetch;
  cleanup?: () => Promise<void>;
}

export type UpstreamFetchCase =
  | 'credentials'
  | 'redirect'
  | 'silent-host'
  | 'stalled-body'
  | 'reset-body'
  | 'declared-too-large'
  | 'growing-body'
  | 'decoded-body'
  | 'undecoded-body'
  | 'not-http'
  | 'caller-abort'
  | 'certificate-verified'
  | 'certificate-unverified';

const OPTIONS = { timeoutMs: 400, maxResponseBytes: 64 * 1024 };

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof TsError, `expected a TsError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

/** The third party's scripted behaviours, one per path. */
function thirdParty(): Promise<TestOrigin> {
  return startOrigin(
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
      } else if (path === '/reset-body') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first bytes, then the connection goes');
        setTimeout(() => res.socket?.destroy(), 20);
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
      } else if (path === '/deflate') {
        const body = zlib.deflateSync(Buffer.from('deflated text '.repeat(100)));
        res.writeHead(200, {
          'content-encoding': 'deflate',
          'content-length': String(body.length),
        });
        res.end(body);
      } else if (path === '/gzip-trailing-comma') {
        const body = zlib.gzipSync(Buffer.from('gzip text '.repeat(100)));
        res.writeHead(200, { 'content-encoding': 'gzip,', 'content-length': String(body.length) });
        res.end(body);
      } else if (path === '/custom-coding') {
        res.writeHead(200, { 'content-encoding': 'x-custom', 'content-length': '12' });
        res.end('\x01\x02custom\x03\x04\x05\x06');
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
}

/**
 * A host on loopback whose certificate nobody signed (a misconfigured or impersonating third
 * party); undefined when openssl cannot make one.
 */
async function selfSignedHost(): Promise<{ url: string; close(): Promise<void> } | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'ts-upstream-tls-'));
  try {
    const files = makeSelfSignedCertificate(dir, '127.0.0.1');
    const server = https.createServer(
      { key: readFileSync(files.key), cert: readFileSync(files.cert) },
      (_req, res) => res.end('self-signed host'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `https://127.0.0.1:${port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `open` gives the implementation under test; one is opened for the whole suite. */
export function upstreamFetchContract(
  name: string,
  open: () => Promise<UpstreamFetchHarness>,
  skips: Partial<Record<UpstreamFetchCase, string>> = {},
): void {
  describe(`fetchUpstream contract: ${name}`, () => {
    let harness: UpstreamFetchHarness;
    let host: TestOrigin;
    let tlsHost: Awaited<ReturnType<typeof selfSignedHost>>;
    const fetch: UpstreamFetch = (request, options) => harness.fetch(request, options);

    before(async () => {
      host = await thirdParty();
      tlsHost = await selfSignedHost();
      harness = await open();
    });
    after(async () => {
      await harness.cleanup?.();
      await host.close();
      await tlsHost?.close();
    });

    const test = (
      id: UpstreamFetchCase,
      title: string,
      body: (t: TestContext) => Promise<void>,
    ): void => {
      const reason = skips[id];
      if (reason !== undefined) void it(title, { skip: `${name}: ${reason}` }, () => {});
      else void it(title, body);
    };

    test(
      'credentials',
      "never sends the reader's cookies or credentials, only the one cookie named",
      async () => {
        const request = new Request(`${host.url}/echo`, {
          headers: {
            cookie: 'session=reader-secret; euconsent-v2=CPraw',
            authorization: 'Basic cHVibGlzaGVyOnNlY3JldA==',
            'proxy-authorization': 'Basic eDp5',
            'x-bidder-header': 'kept',
          },
        });
        const response = await fetch(request, OPTIONS);
        assert.equal(response.status, 200);
        await response.arrayBuffer();
        const seen = host.seen.at(-1);
        assert.equal(seen?.headers.cookie, undefined);
        assert.equal(seen?.headers.authorization, undefined);
        assert.equal(seen?.headers['proxy-authorization'], undefined);
        assert.equal(seen?.headers['x-bidder-header'], 'kept');

        const withCookie = await fetch(request, { ...OPTIONS, cookie: 'ts-ec=abc.def' });
        await withCookie.arrayBuffer();
        assert.equal(host.seen.at(-1)?.headers.cookie, 'ts-ec=abc.def');

        // This server's own credential (pull sync's Bearer token) replaces the reader's.
        const own = await fetch(request, { ...OPTIONS, authorization: 'Bearer server-own-token' });
        await own.arrayBuffer();
        assert.equal(host.seen.at(-1)?.headers.authorization, 'Bearer server-own-token');
        assert.equal(host.seen.at(-1)?.headers.cookie, undefined);
      },
    );

    test(
      'reset-body',
      'errors the body as upstream_failed when a host resets mid-body: never a raw platform error',
      async () => {
        const response = await fetch(new Request(`${host.url}/reset-body`), OPTIONS);
        assert.equal(response.status, 200);
        await assert.rejects(response.arrayBuffer(), isCode('upstream_failed'));
      },
    );

    test('redirect', 'returns a redirect as it is, never following it', async () => {
      const response = await fetch(new Request(`${host.url}/redirect`), OPTIONS);
      assert.equal(response.status, 302);
      assert.equal(response.headers.get('location'), 'http://169.254.169.254/latest/meta-data/');
      await response.arrayBuffer();
      assert.equal(host.seen.filter((seen) => seen.url.startsWith('/latest')).length, 0);
    });

    test(
      'silent-host',
      'fails as upstream_timeout at the deadline when a host never answers',
      async () => {
        const started = performance.now();
        await assert.rejects(
          fetch(new Request(`${host.url}/silent`), OPTIONS),
          isCode('upstream_timeout'),
        );
        const took = performance.now() - started;
        assert.ok(took >= 350 && took < 1500, `took ${took} ms for a 400 ms deadline`);
      },
    );

    test(
      'stalled-body',
      'errors the body at the deadline when a host stalls mid-body: never a clean short body',
      async () => {
        const response = await fetch(new Request(`${host.url}/stall-body`), OPTIONS);
        assert.equal(response.status, 200);
        await assert.rejects(response.text(), isCode('upstream_timeout'));
      },
    );

    test(
      'declared-too-large',
      'refuses a declared body over the cap before reading it',
      async () => {
        await assert.rejects(
          fetch(new Request(`${host.url}/declared-huge`), OPTIONS),
          (error: unknown) =>
            isCode('upstream_too_large')(error) &&
            /10485760 bytes/.test(String((error as Error).message)),
        );
      },
    );

    test(
      'growing-body',
      'errors a body that grows past the cap, chunked or decompressed',
      async () => {
        const growing = await fetch(new Request(`${host.url}/growing`), OPTIONS);
        await assert.rejects(growing.arrayBuffer(), isCode('upstream_too_large'));
        // 8 MiB of zeros in ~8 KB of gzip: the cap counts decoded bytes.
        const bomb = await fetch(new Request(`${host.url}/bomb`), OPTIONS);
        await assert.rejects(bomb.arrayBuffer(), isCode('upstream_too_large'));
      },
    );

    test(
      'decoded-body',
      'decodes a compressed body and drops the headers that described the wire',
      async () => {
        const response = await fetch(new Request(`${host.url}/gzip`), OPTIONS);
        assert.equal(await response.text(), 'decoded text '.repeat(100));
        assert.equal(response.headers.get('content-encoding'), null);
        assert.equal(response.headers.get('content-length'), null);
      },
    );

    test(
      'undecoded-body',
      'keeps the header of a coding the platform left alone: headers always describe the body',
      async () => {
        const custom = await fetch(new Request(`${host.url}/custom-coding`), OPTIONS);
        assert.equal(custom.headers.get('content-encoding'), 'x-custom');
        assert.deepEqual(
          new Uint8Array(await custom.arrayBuffer()),
          new Uint8Array(Buffer.from('\x01\x02custom\x03\x04\x05\x06', 'latin1')),
        );
        // `gzip,` names an empty coding besides gzip: decoded or not, the headers must say which.
        const comma = await fetch(new Request(`${host.url}/gzip-trailing-comma`), OPTIONS);
        const commaBytes = Buffer.from(await comma.arrayBuffer());
        if (comma.headers.get('content-encoding') === null) {
          assert.equal(commaBytes.toString(), 'gzip text '.repeat(100));
        } else {
          assert.equal(zlib.gunzipSync(commaBytes).toString(), 'gzip text '.repeat(100));
        }
        // Whether deflate is decoded is the platform's choice; saying so wrongly is not.
        const deflate = await fetch(new Request(`${host.url}/deflate`), OPTIONS);
        const bytes = Buffer.from(await deflate.arrayBuffer());
        if (deflate.headers.get('content-encoding') === 'deflate') {
          assert.equal(zlib.inflateSync(bytes).toString(), 'deflated text '.repeat(100));
        } else {
          assert.equal(deflate.headers.get('content-encoding'), null);
          assert.equal(bytes.toString(), 'deflated text '.repeat(100));
        }
      },
    );

    test('not-http', 'refuses URLs that are not http(s)', async () => {
      // (A URL with credentials cannot even become a Request: the platform refuses it first.)
      await assert.rejects(
        fetch(new Request('file:///etc/passwd'), OPTIONS),
        isCode('upstream_failed'),
      );
    });

    test(
      'caller-abort',
      'stops when the caller aborts, and reports a refused connection as upstream_failed',
      async () => {
        const controller = new AbortController();
        const started = performance.now();
        const pending = fetch(new Request(`${host.url}/silent`), {
          ...OPTIONS,
          timeoutMs: 5000,
          signal: controller.signal,
        });
        setTimeout(() => controller.abort(new Error('auction over')), 50);
        await assert.rejects(pending, isCode('upstream_failed'));
        const took = performance.now() - started;
        assert.ok(took < 2000, `took ${took} ms to stop after the caller aborted at 50 ms`);

        const closed = await startOrigin(() => {});
        const closedUrl = closed.url;
        await closed.close();
        await assert.rejects(
          fetch(new Request(`${closedUrl}/x`), OPTIONS),
          isCode('upstream_failed'),
        );
      },
    );

    test(
      'certificate-verified',
      'refuses a host whose certificate does not verify, unless told not to check',
      async (t) => {
        if (tlsHost === undefined) return t.skip('openssl cannot make a test certificate');
        await assert.rejects(
          fetch(new Request(`${tlsHost.url}/`), OPTIONS),
          isCode('upstream_failed'),
        );
      },
    );

    test(
      'certificate-unverified',
      'reaches a self-signed host with verifyCertificate: false',
      async (t) => {
        if (tlsHost === undefined) return t.skip('openssl cannot make a test certificate');
        const response = await fetch(new Request(`${tlsHost.url}/`), {
          ...OPTIONS,
          verifyCertificate: false,
        });
        assert.equal(await response.text(), 'self-signed host');
      },
    );
  });
}
