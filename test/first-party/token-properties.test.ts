/**
 * Properties of signed first-party URLs over generated input: every URL signed verifies as itself;
 * no single-character change of the token, or of any signed part, verifies; expiry follows the
 * injected clock to the second; and nothing a client can send makes signing or verifying throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createRebuildHandler } from '../../src/core/first-party/rebuild-route.ts';
import { createSignHandler } from '../../src/core/first-party/sign-route.ts';
import { signUrl } from '../../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../../src/core/first-party/token.ts';
import { isIpLiteralHost } from '../../src/core/http/address-class.ts';
import type { RequestContext } from '../../src/core/http/request-context.ts';
import { testSettings } from '../helpers/settings.ts';
import { verifySignedUrl } from '../../src/core/first-party/verify-signed-url.ts';
import { independentToken, SECRET, signer } from './helpers.ts';

const NOW = Date.UTC(2026, 0, 1);
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Text with every kind of character a query can carry once decoded (valid code points only). */
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const pairs = fc.array(fc.tuple(text, text), { maxLength: 5 });

/** An absolute http(s) URL with generated parameters (any characters) and maybe a fragment. */
const clearUrl = fc
  .tuple(fc.webUrl({ withQueryParameters: true, withFragments: true }), pairs)
  .map(([base, extra]) => {
    const url = new URL(base);
    for (const [name, value] of extra) url.searchParams.append(name, value);
    return url.href;
  })
  .filter((href) => !/[?&](tsurl|tstoken|tsexp)=/.test(href));

function signedParts(href: string): { tsurl: string; token: string; signed: [string, string][] } {
  const params = new URL(href, 'https://edge.example').searchParams;
  const signed = [...params].filter(([name]) => name !== 'tsurl' && name !== 'tstoken');
  return { tsurl: params.get('tsurl') ?? '', token: params.get('tstoken') ?? '', signed };
}

function rebuild(tsurl: string, signed: [string, string][], token: string): string {
  return `/first-party/proxy?${new URLSearchParams([['tsurl', tsurl], ...signed, ['tstoken', token]]).toString()}`;
}

/** The string with the character at `at` replaced by a different one. */
function replaceAt(value: string, at: number, replacement: string): string {
  const chars = Array.from(value);
  const i = at % chars.length;
  chars[i] = replacement === chars[i] ? `${replacement}x` : replacement;
  return chars.join('');
}

describe('signed URL properties', () => {
  it('sign → verify round-trips to the same target, without its fragment', async () => {
    await fc.assert(
      fc.asyncProperty(clearUrl, async (clear) => {
        const check = await verifySignedUrl(signer, await signUrl(signer, clear), { now: NOW });
        assert.ok(check.ok, clear);
        const original = new URL(clear);
        const target = new URL(check.target);
        assert.equal(target.origin + target.pathname, original.origin + original.pathname);
        assert.deepEqual([...target.searchParams], [...original.searchParams]);
        assert.equal(target.hash, '');
      }),
      { numRuns: 300 },
    );
  });

  it('the token matches an independent node:crypto implementation for any text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (full) => {
        assert.equal(await signer.token(full), independentToken(SECRET, full));
      }),
      { numRuns: 300 },
    );
  });

  it('any single-character change of the token fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        clearUrl,
        fc.nat(42),
        fc.constantFrom(...BASE64URL),
        async (clear, at, char) => {
          const { tsurl, token, signed } = signedParts(await signUrl(signer, clear));
          fc.pre(token[at] !== char);
          const forged = `${token.slice(0, at)}${char}${token.slice(at + 1)}`;
          const check = await verifySignedUrl(signer, rebuild(tsurl, signed, forged), { now: NOW });
          assert.equal(!check.ok && check.reason, 'invalid-tstoken');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any single-character change of tsurl or of a signed parameter fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        clearUrl,
        fc.nat(),
        fc.nat(),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
        async (clear, part, at, char) => {
          const { tsurl, token, signed } = signedParts(await signUrl(signer, clear));
          // Part 0 is tsurl; then each parameter's name and value.
          const slot = part % (1 + 2 * signed.length);
          let forged: string;
          if (slot === 0) forged = rebuild(replaceAt(tsurl, at, char), signed, token);
          else {
            const i = Math.floor((slot - 1) / 2);
            const changed = signed.map((pair) => [...pair] as [string, string]);
            const pair = changed[i] as [string, string];
            const side = (slot - 1) % 2;
            const old = pair[side] ?? '';
            pair[side] = old === '' ? char : replaceAt(old, at, char);
            forged = rebuild(tsurl, changed, token);
          }
          const check = await verifySignedUrl(signer, forged, { now: NOW });
          assert.equal(check.ok, false, forged);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a raw one-character edit of the signed URL never verifies as a different target', async () => {
    const edits = fc.constantFrom(
      '%',
      '+',
      '&',
      '=',
      ';',
      '#',
      '?',
      ' ',
      'A',
      'a',
      '0',
      '2',
      'F',
      'f',
      '-',
      '/',
      'é',
    );
    await fc.assert(
      fc.asyncProperty(clearUrl, fc.nat(), edits, async (clear, at, char) => {
        const href = await signUrl(signer, clear);
        const original = await verifySignedUrl(signer, href, { now: NOW });
        const i = href.indexOf('?') + 1 + (at % (href.length - href.indexOf('?') - 1));
        const edited = href.slice(0, i) + char + href.slice(i + 1);
        const check = await verifySignedUrl(signer, edited, { now: NOW });
        // Only an edit that changes no decoded byte (e.g. %2F → %2f) may still pass.
        if (check.ok) assert.equal(check.target, original.ok && original.target, edited);
      }),
      { numRuns: 500 },
    );
  });

  it('tsexp holds through its own second and fails from the next, on the injected clock', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.integer({ min: -100_000_000, max: 100_000_000 }),
        async (expiresAt, offsetMs) => {
          const href = await signUrl(signer, 'https://cdn.example/a.png?x=1', { expiresAt });
          const now = expiresAt * 1000 + offsetMs;
          const check = await verifySignedUrl(signer, href, { now });
          assert.equal(check.ok, expiresAt >= Math.floor(now / 1000));
          if (!check.ok) assert.equal(check.reason, 'expired-tsexp');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('hostile input never throws', () => {
  const hostile = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({
      unit: fc.constantFrom(
        '%',
        'f',
        'F',
        '0',
        'z',
        '+',
        '&',
        '=',
        't',
        's',
        'u',
        'r',
        'l',
        '\u0000',
        '\ud800',
      ),
      maxLength: 200,
    }),
    fc.webUrl({ withQueryParameters: true }).map((url) => `${url}%`),
    fc.constant(''),
  );

  it('signing and verifying any text (as URL, query, or parameter) resolves', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (input) => {
        await signUrl(signer, input);
        await signUrl(signer, `https://cdn.example/?${input}`);
        for (const request of [
          input,
          `/first-party/proxy?${input}`,
          `/first-party/proxy?tsurl=${input}&tstoken=${input}&tsexp=${input}`,
        ]) {
          const check = await verifySignedUrl(signer, request, { now: NOW });
          assert.equal(typeof check.ok, 'boolean');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a 4 MiB URL signs and verifies; a 4 MiB forged one is refused', async () => {
    const huge = `https://cdn.example/${'a'.repeat(4 << 20)}?q=${'%C3%A9'.repeat(1 << 16)}`;
    const href = await signUrl(signer, huge);
    assert.equal((await verifySignedUrl(signer, href, { now: NOW })).ok, true);
    const forged = `/first-party/proxy?tsurl=${'%'.repeat(4 << 20)}&tstoken=${'A'.repeat(43)}`;
    const check = await verifySignedUrl(signer, forged, { now: NOW });
    assert.equal(!check.ok && check.reason, 'invalid-tstoken');
  });
});

/** A request context for the route handlers, on the publisher's https host. */
function routeContext(url: URL): RequestContext {
  return {
    clientIp: '192.0.2.1',
    scheme: 'https',
    host: 'www.publisher.test',
    headers: new Headers(),
    url,
    path: url.pathname,
    geo: null,
  };
}

describe('signed URL properties through the routes', () => {
  const settings = testSettings();
  const routeSigner = createProxyTokenSigner(settings.publisher.proxy_secret);
  const services = { now: () => NOW };
  const sign = createSignHandler(settings, services, routeSigner);
  const rebuildClick = createRebuildHandler(services, routeSigner);
  const httpsUrl = clearUrl.map((href) => href.replace(/^http:/, 'https:'));

  it('what /first-party/sign answers for any https URL verifies, until tsexp, as that URL', async () => {
    await fc.assert(
      fc.asyncProperty(
        httpsUrl,
        fc.nat(42),
        fc.constantFrom(...BASE64URL),
        async (clear, at, char) => {
          const url = new URL('https://www.publisher.test/first-party/sign');
          url.searchParams.set('url', clear);
          const response = await sign(new Request(url), routeContext(url));
          // Generated hosts may be IP literals in private ranges: refused, as they must be.
          if (response.status === 403) {
            assert.ok(isIpLiteralHost(new URL(clear).hostname), clear);
            fc.pre(false);
          }
          assert.equal(response.status, 200);
          const { href } = (await response.json()) as { href: string };
          const check = await verifySignedUrl(routeSigner, href, { now: NOW });
          assert.ok(check.ok);
          assert.equal(check.expiresAt, Math.floor(NOW / 1000) + 30);
          const late = await verifySignedUrl(routeSigner, href, { now: NOW + 31_000 });
          assert.equal(!late.ok && late.reason, 'expired-tsexp');
          const token = new URL(href, 'https://x.invalid').searchParams.get('tstoken') ?? '';
          fc.pre(token[at] !== char);
          const forged = href.replace(
            `tstoken=${token}`,
            `tstoken=${token.slice(0, at)}${char}${token.slice(at + 1)}`,
          );
          const refused = await verifySignedUrl(routeSigner, forged, { now: NOW });
          assert.equal(!refused.ok && refused.reason, 'invalid-tstoken');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a rebuilt click verifies, keeps its target and carries exactly the parameters asked for', async () => {
    await fc.assert(
      fc.asyncProperty(
        clearUrl,
        fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), text, { maxKeys: 3 }),
        async (clear, add) => {
          const click = await signUrl(routeSigner, clear, { basePath: '/first-party/click' });
          const have = new Set([...new URL(click, 'https://x.invalid').searchParams.keys()]);
          const fresh = Object.fromEntries(
            Object.entries(add).filter(
              ([name]) => !have.has(name) && !['tsurl', 'tstoken', 'tsexp'].includes(name),
            ),
          );
          const url = new URL('https://www.publisher.test/first-party/proxy-rebuild');
          const response = await rebuildClick(
            new Request(url, {
              method: 'POST',
              body: JSON.stringify({ tsclick: click, add: fresh }),
            }),
            routeContext(url),
          );
          assert.equal(response.status, 200);
          const { href, base } = (await response.json()) as { href: string; base: string };
          const check = await verifySignedUrl(routeSigner, href, { now: NOW });
          assert.ok(check.ok);
          assert.equal(check.tsurl, base);
          const target = new URL(check.target).searchParams;
          for (const [name, value] of Object.entries(fresh)) assert.equal(target.get(name), value);
        },
      ),
      { numRuns: 150 },
    );
  });
});
