/**
 * The first-party proxy token against upstream: the spec's verified vectors byte for byte, the
 * signed-URL shape upstream writes, and what verification accepts and refuses, each with the
 * reason a route would answer. Properties (round trip, tampering, expiry, hostile input) are in
 * token-properties.test.ts.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { Secret } from '../../src/core/settings/secret.ts';
import {
  FIRST_PARTY_CLICK_PATH,
  signParts,
  signTarget,
  signUrl,
} from '../../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner, TOKEN_LENGTH } from '../../src/core/first-party/token.ts';
import { signedUrlError, verifySignedUrl } from '../../src/core/first-party/verify-signed-url.ts';
import { independentToken, SECRET, signer } from './helpers.ts';

const NOW = Date.UTC(2026, 0, 1);
const NOW_S = NOW / 1000;

describe('token vectors (spec §I.4, upstream test_support secret)', () => {
  const vectors = [
    ['https://cdn.example/a.png', 'khZxp4u3sJa1nEmYtIZeJ6uaS1IRKef9MMtmMPgDWaw'],
    ['https://cdn.example/asset.js?c=3&b=2', 'MkJUHZnYuVI-pUgjx12qG5n3HkJCMCH_jOrW9L3etLE'],
    ['https://cdn.example/landing.html?x=1', '-WIvKUW33Re7FYH8NwloJgzwiib9huvUZt1r5Nfmr9k'],
  ] as const;
  for (const [full, token] of vectors) {
    it(`tstoken(${full})`, async () => {
      assert.equal(await signer.token(full), token);
      assert.equal(independentToken(SECRET, full), token);
    });
  }

  it('encode_url("https://t.example/p.gif"), the blob the token is a digest of', async () => {
    assert.equal(
      await signer.encodeUrl('https://t.example/p.gif'),
      'eDE3qImwdI5UV-D-9gD_AuypW1ZyN7YNGLE4aJtEyPGkV9bsqVXj_mNDXvyEllxgDF01dXXmzMOs_-JQU3c5Lfo',
    );
  });

  it('every token is 43 characters, even for the empty URL', async () => {
    assert.equal((await signer.token('')).length, TOKEN_LENGTH);
    assert.equal(await signer.token(''), independentToken(SECRET, ''));
  });

  it('a different secret gives a different token', async () => {
    const other = createProxyTokenSigner(new Secret('another-secret'));
    assert.notEqual(
      await other.token('https://cdn.example/a.png'),
      await signer.token('https://cdn.example/a.png'),
    );
  });

  it('the signer never prints its secret', () => {
    assert.ok(!inspect(signer, { depth: 5, showHidden: true }).includes(SECRET));
    assert.ok(!JSON.stringify(signer).includes(SECRET));
  });
});

describe('signUrl: the URL upstream builds', () => {
  it('spec §5.1 example: tsurl first, the target params in order, tstoken last', async () => {
    assert.equal(
      await signUrl(signer, 'https://cdn.example/asset.js?c=3&b=2'),
      '/first-party/proxy?tsurl=https%3A%2F%2Fcdn.example%2Fasset.js&c=3&b=2&tstoken=MkJUHZnYuVI-pUgjx12qG5n3HkJCMCH_jOrW9L3etLE',
    );
  });

  it('keeps a non-standard port, drops a default one, lowercases the host', async () => {
    assert.match(
      await signUrl(signer, 'https://cdn.example:9443/a.png'),
      /^\/first-party\/proxy\?tsurl=https%3A%2F%2Fcdn\.example%3A9443%2Fa\.png&tstoken=/,
    );
    const signed = await signTarget(signer, 'HTTPS://CDN.Example:443');
    assert.equal(signed?.tsurl, 'https://cdn.example/');
    assert.equal(
      signed?.href,
      `/first-party/proxy?tsurl=https%3A%2F%2Fcdn.example%2F&tstoken=${await signer.token('https://cdn.example/')}`,
    );
  });

  it('drops the fragment and keeps duplicate parameters, decoded and re-encoded as forms are', async () => {
    const href = await signUrl(signer, 'https://cdn.example/p?a=1&a=2&q=x%20y+z&e=%C3%A9#frag');
    const full = 'https://cdn.example/p?a=1&a=2&q=x+y+z&e=%C3%A9';
    assert.equal(
      href,
      `/first-party/proxy?tsurl=https%3A%2F%2Fcdn.example%2Fp&a=1&a=2&q=x+y+z&e=%C3%A9&tstoken=${await signer.token(full)}`,
    );
  });

  it('appends extras, then tsexp, all covered by the token', async () => {
    const href = await signUrl(signer, 'https://cdn.example/a.js?x=1', {
      extras: [['k', 'v']],
      expiresAt: NOW_S + 30,
    });
    const full = `https://cdn.example/a.js?x=1&k=v&tsexp=${NOW_S + 30}`;
    assert.ok(href.endsWith(`&x=1&k=v&tsexp=${NOW_S + 30}&tstoken=${await signer.token(full)}`));
  });

  it('click URLs and an absolute origin go in basePath', async () => {
    assert.match(
      await signUrl(signer, 'https://cdn.example/', { basePath: FIRST_PARTY_CLICK_PATH }),
      /^\/first-party\/click\?tsurl=/,
    );
    assert.match(
      await signUrl(signer, 'https://cdn.example/', {
        basePath: 'https://pub.example/first-party/proxy',
      }),
      /^https:\/\/pub\.example\/first-party\/proxy\?tsurl=/,
    );
  });

  it('a URL that does not parse is returned unsigned and unchanged', async () => {
    for (const bad of ['/relative.png', '//cdn.example/x', 'not a url', '', 'https://']) {
      assert.equal(await signUrl(signer, bad), bad);
      assert.equal(await signTarget(signer, bad), undefined);
    }
  });
});

describe('verifySignedUrl', () => {
  const clear = 'https://cdn.example/asset.js?c=3&b=2';
  const signed = () => signUrl(signer, clear);

  it('accepts the signed URL, origin-form or absolute, and gives back the clear URL', async () => {
    const href = await signed();
    for (const form of [href, `https://pub.example${href}`, new URL(href, 'https://any.example')]) {
      const check = await verifySignedUrl(signer, form, { now: NOW });
      assert.deepEqual(check, {
        ok: true,
        target: clear,
        tsurl: 'https://cdn.example/asset.js',
        hadParams: true,
      });
    }
  });

  it('accepts a URL signed without params (hadParams false)', async () => {
    const check = await verifySignedUrl(
      signer,
      await signUrl(signer, 'https://cdn.example/a.png'),
      { now: NOW },
    );
    assert.deepEqual(check, {
      ok: true,
      target: 'https://cdn.example/a.png',
      tsurl: 'https://cdn.example/a.png',
      hadParams: false,
    });
  });

  it('accepts tsurl and tstoken anywhere in the query, as upstream does', async () => {
    const token = await signer.token(clear);
    const moved = `/first-party/proxy?c=3&tstoken=${token}&b=2&tsurl=https%3A%2F%2Fcdn.example%2Fasset.js`;
    assert.equal((await verifySignedUrl(signer, moved, { now: NOW })).ok, true);
  });

  const refusals: [string, (href: string) => string, string][] = [
    ['missing tsurl', (h) => h.replace(/tsurl=[^&]*&/, ''), 'missing-tsurl'],
    ['missing tstoken', (h) => h.replace(/&tstoken=.*$/, ''), 'missing-tstoken'],
    ['truncated token', (h) => h.slice(0, -1), 'invalid-tstoken'],
    ['token with one more character', (h) => `${h}A`, 'invalid-tstoken'],
    ['empty token', (h) => h.replace(/tstoken=.*$/, 'tstoken='), 'invalid-tstoken'],
    ['target params reordered', (h) => h.replace('c=3&b=2', 'b=2&c=3'), 'invalid-tstoken'],
    ['extra param', (h) => h.replace('&tstoken', '&d=4&tstoken'), 'invalid-tstoken'],
    ['param dropped', (h) => h.replace('&b=2', ''), 'invalid-tstoken'],
    ['param value changed', (h) => h.replace('c=3', 'c=4'), 'invalid-tstoken'],
    ['other host in tsurl', (h) => h.replace('cdn.example', 'evil.example'), 'invalid-tstoken'],
    [
      'tsurl given twice',
      (h) => h.replace('&c=3', '&tsurl=https%3A%2F%2Fevil.example%2F&c=3'),
      'duplicate-parameter',
    ],
    ['tstoken given twice', (h) => h.replace('&c=3', '&tstoken=x&c=3'), 'duplicate-parameter'],
    ['unparseable request URL', () => 'http://[bad', 'invalid-url'],
  ];
  for (const [name, mutate, reason] of refusals) {
    it(`refuses: ${name} → ${reason}`, async () => {
      const check = await verifySignedUrl(signer, mutate(await signed()), { now: NOW });
      assert.equal(check.ok, false);
      assert.equal(!check.ok && check.reason, reason);
    });
  }

  it('refuses a URL signed with another secret', async () => {
    const other = createProxyTokenSigner(new Secret('another-secret'));
    const check = await verifySignedUrl(signer, await signUrl(other, clear), { now: NOW });
    assert.equal(!check.ok && check.reason, 'invalid-tstoken');
  });

  it('honours tsexp: valid through its second, expired after', async () => {
    const href = await signUrl(signer, clear, { expiresAt: NOW_S + 30 });
    const at = (ms: number) => verifySignedUrl(signer, href, { now: ms });
    assert.deepEqual(await at(NOW), {
      ok: true,
      target: `${clear}&tsexp=${NOW_S + 30}`,
      tsurl: 'https://cdn.example/asset.js',
      hadParams: true,
      expiresAt: NOW_S + 30,
    });
    assert.equal((await at(NOW + 30_999)).ok, true);
    const late = await at(NOW + 31_000);
    assert.equal(!late.ok && late.reason, 'expired-tsexp');
  });

  it('checks tsexp only after the token: a stretched expiry is a bad token', async () => {
    const href = await signUrl(signer, clear, { expiresAt: NOW_S - 1 });
    const stretched = href.replace(`tsexp=${NOW_S - 1}`, `tsexp=${NOW_S + 3600}`);
    const check = await verifySignedUrl(signer, stretched, { now: NOW });
    assert.equal(!check.ok && check.reason, 'invalid-tstoken');
  });

  it('refuses a tsurl holding a query or fragment: tsexp cannot hide inside it', async () => {
    const signed = new URL(await signUrl(signer, clear, { expiresAt: NOW_S - 1 }), 'https://p.x');
    const tsurl = signed.searchParams.get('tsurl') ?? '';
    const rest = [...signed.searchParams].filter(
      ([name]) => name !== 'tsurl' && name !== 'tstoken',
    );
    // Same `full`, same token: only the check on tsurl stops the expired URL.
    const folded = new URLSearchParams([
      ['tsurl', `${tsurl}?${new URLSearchParams(rest).toString()}`],
      ['tstoken', signed.searchParams.get('tstoken') ?? ''],
    ]);
    const check = await verifySignedUrl(signer, `/first-party/proxy?${folded.toString()}`, {
      now: NOW,
    });
    assert.equal(!check.ok && check.reason, 'invalid-tsurl');
    for (const odd of [`${tsurl}?`, `${tsurl}#x`]) {
      const href = await signParts(signer, odd, []);
      const refused = await verifySignedUrl(signer, href, { now: NOW });
      assert.equal(!refused.ok && refused.reason, 'invalid-tsurl', odd);
    }
  });

  for (const bad of ['abc', '-1', '1.5', '', ' 1', '18446744073709551616']) {
    it(`a signed but malformed tsexp ${JSON.stringify(bad)} is invalid-tsexp`, async () => {
      const href = await signUrl(signer, clear, { extras: [['tsexp', bad]] });
      const check = await verifySignedUrl(signer, href, { now: NOW });
      assert.equal(!check.ok && check.reason, 'invalid-tsexp');
    });
  }

  it('takes tsexp as upstream parses a u64: a leading + and u64::MAX are fine', async () => {
    for (const value of ['+99999999999', '18446744073709551615']) {
      const href = await signUrl(signer, clear, { extras: [['tsexp', value]] });
      assert.equal((await verifySignedUrl(signer, href, { now: NOW })).ok, true, value);
    }
  });

  it('a clock that reads NaN refuses expiring URLs rather than admitting them', async () => {
    const href = await signUrl(signer, clear, { expiresAt: NOW_S + 30 });
    const check = await verifySignedUrl(signer, href, { now: Number.NaN });
    assert.equal(!check.ok && check.reason, 'expired-tsexp');
  });

  it('signParts re-signs an edited parameter list that verifies (proxy-rebuild)', async () => {
    const href = await signParts(
      signer,
      'https://cdn.example/c',
      [
        ['a', '1'],
        ['b', '2'],
      ],
      FIRST_PARTY_CLICK_PATH,
    );
    const check = await verifySignedUrl(signer, href, { now: NOW });
    assert.equal(check.ok && check.target, 'https://cdn.example/c?a=1&b=2');
  });
});

describe('signedUrlError', () => {
  it('a bad token is 403, anything else 400, with the one-line reason as body', () => {
    const forbidden = signedUrlError({ reason: 'invalid-tstoken', message: 'invalid tstoken' });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.publicMessage, 'invalid tstoken');
    const expired = signedUrlError({ reason: 'expired-tsexp', message: 'expired tsexp' });
    assert.equal(expired.status, 400);
    assert.equal(expired.publicMessage, 'expired tsexp');
  });
});
