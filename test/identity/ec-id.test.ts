/**
 * The Edge Cookie ID (src/core/identity/ec-id.ts): the HMAC vectors of the spec (§F.4), upstream's
 * IP normalisation and validation cases, the suffix's alphabet and spread, and validators that
 * never throw on anything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createEcMinter,
  ecHash,
  ecLogId,
  isValidEcHash,
  isValidEcId,
  normalizeEcIdForKv,
  normalizeIp,
} from '../../src/core/identity/ec-id.ts';

const TEST_KEY = 'test-secret-key-32-bytes-minimum';
const VALID = `${'a'.repeat(64)}.Ab12z9`;

describe('EC ID hash', () => {
  it('matches the spec vectors for IPv4, normalised IPv6 and the integration config', async () => {
    const minter = createEcMinter(TEST_KEY);
    assert.equal(
      await minter.hash('192.168.1.1'),
      'af91dee53424e3faf3b888a2fd7143e71d3697be54227eeb82a4e7e55326949a',
    );
    const ipv6 = '82dbd2192de6c1d44a9d0b80ed6d44280c70e4b3999a709823753d7970fc1b75';
    assert.equal(await minter.hash('20010db885a30000'), ipv6);
    // The raw address hashes as its /64: the interface half does not matter.
    assert.equal(await minter.hash('2001:db8:85a3::8a2e:370:7334:1234'), ipv6);
    assert.equal(await minter.hash('2001:0db8:85a3:0000:ffff:ffff:ffff:ffff'), ipv6);
    assert.equal(
      await createEcMinter('integration-test-ec-secret-padded-32').hash('127.0.0.1'),
      '8c4c3d99bbb0a9445ae717135cfe3f4429a9f5cebc17c1724891036d5d69ae00',
    );
  });

  it('mints valid IDs: the same hash for one address, a new suffix each time', async () => {
    const minter = createEcMinter(TEST_KEY);
    const ids = await Promise.all(Array.from({ length: 50 }, () => minter.mint('192.168.1.1')));
    for (const id of ids) {
      assert.ok(isValidEcId(id), id);
      assert.equal(id.length, 71);
      assert.equal(ecHash(id), 'af91dee53424e3faf3b888a2fd7143e71d3697be54227eeb82a4e7e55326949a');
    }
    assert.equal(new Set(ids).size, 50, 'suffixes repeat');
    assert.notEqual(ecHash(await minter.mint('192.168.1.2')), ecHash(ids[0] as string));
    assert.notEqual(
      await createEcMinter(`${TEST_KEY}-other`).hash('192.168.1.1'),
      await minter.hash('192.168.1.1'),
    );
  });

  it('draws suffix characters from all 62 with no visible bias', async () => {
    const minter = createEcMinter(TEST_KEY);
    const counts = new Map<string, number>();
    const mints = 4000;
    for (let index = 0; index < mints; index++) {
      for (const char of (await minter.mint('10.0.0.1')).slice(65)) {
        counts.set(char, (counts.get(char) ?? 0) + 1);
      }
    }
    assert.equal(counts.size, 62);
    // Pearson's chi-square over 62 characters (61 degrees of freedom: mean 61, sd 11). Folding bytes
    // with a plain modulo (256 % 62 = 8 characters drawn 5/4 as often) scores about 220 here;
    // above 125 happens to a uniform draw about once in 10^6 runs.
    const expected = (mints * 6) / 62;
    let chiSquare = 0;
    for (const count of counts.values()) chiSquare += (count - expected) ** 2 / expected;
    assert.ok(chiSquare < 125, `chi-square ${chiSquare.toFixed(1)}`);
  });

  it('refuses an address that is not one, without repeating it', async () => {
    const minter = createEcMinter(TEST_KEY);
    for (const bad of [
      '',
      'localhost',
      '256.1.1.1',
      '1.2.3',
      '01.2.3.4',
      '1::2::3',
      ':::',
      'g::1',
    ]) {
      await assert.rejects(minter.mint(bad), (error: unknown) => {
        assert.ok(error instanceof Error && 'code' in error && error.code === 'bad_request', bad);
        assert.ok(bad === '' || !error.message.includes(bad));
        return true;
      });
    }
  });
});

describe('normalizeIp', () => {
  it('keeps IPv4 and reduces IPv6 to its /64 as 16 hex digits', () => {
    assert.equal(normalizeIp('192.168.1.100'), '192.168.1.100');
    assert.equal(normalizeIp('2001:db8:85a3:0:8a2e:370:7334:1234'), '20010db885a30000');
    assert.equal(normalizeIp('2001:db8:85a3::8a2e:370:7334:1234'), '20010db885a30000');
    assert.equal(normalizeIp('2001:db8:abcd:1:1111:2222:3333:4444'), '20010db8abcd0001');
    assert.equal(normalizeIp('2001:db8:abcd:1:aaaa:bbbb:cccc:dddd'), '20010db8abcd0001');
    assert.equal(normalizeIp('2001:DB8:ABCD:1::'), '20010db8abcd0001');
    assert.equal(normalizeIp('::1'), '0000000000000000');
    assert.equal(normalizeIp('fe80::1%eth0'), 'fe80000000000000');
    assert.equal(normalizeIp('64:ff9b::192.0.2.33'), '0064ff9b00000000');
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    assert.equal(normalizeIp('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(normalizeIp('::ffff:c000:201'), '192.0.2.1');
    assert.equal(normalizeIp('0:0:0:0:0:ffff:192.0.2.1'), '192.0.2.1');
  });

  it('is idempotent', () => {
    for (const ip of ['10.1.2.3', '2001:db8::1', '::ffff:10.0.0.1']) {
      assert.equal(normalizeIp(normalizeIp(ip)), normalizeIp(ip));
    }
  });
});

describe('EC ID validation', () => {
  it('accepts exactly 64 lowercase hex, a dot and 6 alphanumerics', () => {
    assert.ok(isValidEcId(VALID));
    assert.ok(!isValidEcId('a'.repeat(64)), 'missing suffix');
    assert.ok(!isValidEcId(`${'a'.repeat(63)}g.Ab12z9`), 'g in the hex');
    assert.ok(!isValidEcId(`${'a'.repeat(64)}.ab-129`), 'non-alphanumeric suffix');
    assert.ok(!isValidEcId(`${VALID}.zz`), 'third segment');
    assert.ok(!isValidEcId(`${'A'.repeat(64)}.Ab12z9`), 'uppercase hex');
    assert.ok(!isValidEcId(`${'a'.repeat(64)}.Ab12z`), 'short suffix');
    assert.ok(!isValidEcId(`${VALID}\n`), 'trailing newline');
  });

  it('hash, KV form and log form', () => {
    assert.ok(isValidEcHash('a'.repeat(64)));
    assert.ok(isValidEcHash('A'.repeat(64)));
    assert.ok(!isValidEcHash('a'.repeat(63)));
    assert.ok(!isValidEcHash(`${'a'.repeat(63)}g`));
    assert.equal(ecHash(VALID), 'a'.repeat(64));
    assert.equal(ecHash('nodot'), 'nodot');
    assert.equal(normalizeEcIdForKv(`${'AB'.repeat(32)}.XyZ123`), `${'ab'.repeat(32)}.XyZ123`);
    assert.ok(isValidEcId(normalizeEcIdForKv(`${'F'.repeat(64)}.Ab12z9`)));
    assert.equal(ecLogId(VALID), 'aaaaaaaa…');
  });

  it('never throws, and agrees with the format, on any text', () => {
    const format = /^[0-9a-f]{64}\.[A-Za-z0-9]{6}$/;
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        assert.equal(isValidEcId(text), format.test(text));
        isValidEcHash(text);
        ecHash(text);
        normalizeEcIdForKv(text);
        ecLogId(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('normalizeIp throws only its bad_request', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.ipV4Extended()), (text) => {
        try {
          const normalised = normalizeIp(text);
          assert.match(normalised, /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f]{16})$/);
        } catch (error) {
          assert.equal((error as { code?: string }).code, 'bad_request');
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.ipV6(), (ip) =>
        assert.match(normalizeIp(ip), /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f]{16})$/),
      ),
    );
  });
});
