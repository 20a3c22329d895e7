/**
 * The `ts-ec` cookie (src/core/identity/ec-cookie.ts): upstream's attribute string, no Set-Cookie
 * for a value that could inject attributes or headers, and a reader that keeps only what is safe.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  EC_COOKIE,
  ecExpireCookie,
  ecSetCookie,
  readEcCookie,
} from '../../src/core/identity/ec-cookie.ts';
import { parseCookies } from '../../src/core/http/cookies.ts';

const ID = 'aaaaaaaabbbbbbbbccccccccddddddddeeeeeeeeffffffff0000000011111111.abcXYZ';

function cookiesOf(header: string) {
  return parseCookies(new Headers({ cookie: header }));
}

describe('ts-ec Set-Cookie', () => {
  it('create_ec_cookie_uses_computed_domain', () => {
    assert.equal(EC_COOKIE, 'ts-ec');
    assert.equal(
      ecSetCookie(ID, 'publisher.example'),
      `ts-ec=${ID}; Domain=.publisher.example; Path=/; Secure; SameSite=Lax; Max-Age=31536000; HttpOnly`,
    );
    // A domain already written with its leading dot gets no second one.
    assert.match(ecSetCookie(ID, '.publisher.example') ?? '', /; Domain=\.publisher\.example;/);
  });

  it('set_ec_cookie_rejects_semicolon', () => {
    assert.equal(ecSetCookie('evil; Domain=.attacker.com', 'publisher.example'), null);
  });

  it('set_ec_cookie_rejects_crlf', () => {
    assert.equal(ecSetCookie('evil\r\nX-Injected: header', 'publisher.example'), null);
  });

  it('set_ec_cookie_rejects_space', () => {
    assert.equal(ecSetCookie('bad value', 'publisher.example'), null);
  });

  it('rejects the other characters a cookie value cannot hold, and the empty value', () => {
    for (const value of [
      '',
      'val,ue',
      'val"ue',
      'val\\ue',
      'val\u0000ue',
      'val\u007fue',
      'valüe',
    ]) {
      assert.equal(ecSetCookie(value, 'publisher.example'), null, JSON.stringify(value));
    }
    // Legal cookie octets but not ID characters: no cookie rather than an altered ID.
    assert.equal(ecSetCookie('abc+def=', 'publisher.example'), null);
  });

  it('expire_ec_cookie_sets_max_age_zero, with the same attributes as the live cookie', () => {
    assert.equal(
      ecExpireCookie('publisher.example'),
      'ts-ec=; Domain=.publisher.example; Path=/; Secure; SameSite=Lax; Max-Age=0; HttpOnly',
    );
  });

  it('any value either gives no cookie or one whose value is exactly that', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const line = ecSetCookie(value, 'publisher.example');
        if (line === null) return;
        assert.ok(line.startsWith(`ts-ec=${value}; Domain=`));
        assert.equal(line.split(';').length, 7);
        assert.doesNotMatch(line, /[\r\n]/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('reading ts-ec', () => {
  it('a valid ID is active and kept raw', () => {
    assert.deepEqual(readEcCookie(cookiesOf(`other=1; ts-ec=${ID}`)), { raw: ID, active: ID });
  });

  it('a malformed but safe value is kept raw for withdrawal only', () => {
    assert.deepEqual(readEcCookie(cookiesOf('ts-ec=legacy_id-123.x')), { raw: 'legacy_id-123.x' });
    const upper = `${'A'.repeat(64)}.Ab12z9`;
    assert.deepEqual(readEcCookie(cookiesOf(`ts-ec=${upper}`)), { raw: upper });
  });

  it('a value with other characters, an empty one, or none gives nothing', () => {
    for (const header of ['ts-ec=a%3Bb', 'ts-ec="quoted"', 'ts-ec=', 'ts-ec=a+b', 'other=1', '']) {
      assert.deepEqual(readEcCookie(cookiesOf(header)), {}, header);
    }
  });

  it('never throws, and what it returns is always safe to use', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        const result = readEcCookie(new Map([['ts-ec', value]]));
        if (result.raw !== undefined) assert.match(result.raw, /^[A-Za-z0-9._-]+$/);
        if (result.active !== undefined) assert.equal(result.active, result.raw);
      }),
      { numRuns: 2000 },
    );
  });
});
