/**
 * Finding 1 as a property: whatever request target a client sends — dot segments, encoded dots
 * and slashes, backslashes, repeated slashes, `@`, `:`, IPv6 literals, absolute form — the
 * upstream authority is exactly the configured origin's, and the path the origin is asked for is
 * in normal form. First on the pure functions (many cases), then through the real server over a
 * socket with a stand-in internal service that must never see a connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { TsError } from '../../src/core/errors.ts';
import { normaliseRequestPath } from '../../src/core/http/request-target.ts';
import { originUrl } from '../../src/core/proxy/origin-request.ts';
import type { RequestContext } from '../../src/core/http/request-context.ts';
import { rawRequest, statusOf } from '../helpers/raw-http.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testSettings } from '../helpers/settings.ts';
import { startInternalService } from '../helpers/internal-service.ts';

const ORIGIN = new URL('https://origin.publisher.test:8443');

/** Pieces hostile targets are made of; `HOST` is replaced by the internal service's authority. */
const PIECES = [
  '/',
  '//',
  '\\',
  '.',
  '..',
  '%2e',
  '%2E',
  '.%2e',
  '%2f',
  '%2F',
  '%5c',
  '%00',
  '%25',
  '%',
  '@',
  ':',
  ';',
  '?',
  '#',
  '[::1]',
  '[::ffff:127.0.0.1]',
  'HOST',
  'evil.test',
  'a',
  'secure',
  '%73',
  'user:pass@',
  '0x7f.1',
  '2130706433',
  '~',
  '%7e',
  'é',
  '%C3%A9',
];

const targetArb = (host: string) =>
  fc
    .tuple(
      fc.constantFrom('/', '//', '/./', '/../', 'http://HOST/', 'http://HOST//', '/%2e/'),
      fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }),
    )
    .map(([start, rest]) => (start + rest.join('')).replaceAll('HOST', host));

/** The target as the Node adapter turns it into a request URL (the authority is never the target's). */
function requestUrl(target: string): URL {
  if (target.startsWith('/')) return new URL(`http://localhost${target}`);
  const absolute = new URL(target);
  return new URL(`http://localhost${absolute.pathname}${absolute.search}`);
}

describe('request targets (property)', () => {
  it('never leave the configured origin, and normalise to a stable, dot-free, single-slash path', () => {
    fc.assert(
      fc.property(targetArb('127.0.0.1:9002'), (target) => {
        let url: URL;
        try {
          url = requestUrl(target);
        } catch {
          return; // not a URL at all: the adapter answers 400
        }
        let path: string;
        try {
          path = normaliseRequestPath(url.pathname);
        } catch (error) {
          assert.ok(error instanceof TsError && error.status === 400, String(error));
          return;
        }
        assert.equal(normaliseRequestPath(path), path, 'normal form is stable');
        assert.ok(path.startsWith('/') && !path.includes('//'), path);
        assert.ok(!/\/\.\.?(\/|$)/.test(path), path);
        assert.ok(!/%(2F|5C|00)/i.test(path), path);
        const ctx = { path, url } as RequestContext;
        const upstream = originUrl(ctx, { base: ORIGIN });
        assert.equal(upstream.origin, ORIGIN.origin, target);
        assert.equal(upstream.pathname, path);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('request targets through the real server (property)', () => {
  let origin: TestOrigin;
  let internal: Awaited<ReturnType<typeof startInternalService>>;
  let server: TestServer;
  before(async () => {
    internal = await startInternalService();
    origin = await startOrigin((_req, res) => res.end('origin'));
    server = await startTestServer(testSettings(origin.url));
  });
  after(async () => {
    await server.close();
    await origin.close();
    await internal.close();
  });

  it('only ever reaches the configured origin, with its Host, and never fails with a 5xx', async () => {
    const originHost = new URL(origin.url).host;
    await fc.assert(
      fc.asyncProperty(targetArb(`127.0.0.1:${internal.port}`), async (target) => {
        const before = origin.seen.length;
        const reply = await rawRequest(
          server.port,
          `GET ${target} HTTP/1.1\r\nHost: localhost\r\nCookie: session=reader\r\nConnection: close\r\n\r\n`,
        );
        const status = statusOf(reply);
        assert.ok(status === 200 || status === 400, `${target} → ${status}`);
        for (const seen of origin.seen.slice(before)) {
          assert.equal(seen.headers.host, originHost, target);
          assert.ok(!seen.url.startsWith('//'), `${target} → ${seen.url}`);
        }
        assert.equal(internal.connections(), 0, `${target} reached the internal service`);
      }),
      { numRuns: 300 },
    );
  });
});
