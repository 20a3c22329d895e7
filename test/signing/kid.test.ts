/**
 * Key IDs (src/core/signing/kid.ts): upstream's rules for creatable kids, `active-kids` parsing,
 * and the date kid with a UUID suffix on a same-day rotation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  assertCreatableKid,
  dateKid,
  kidFormatProblem,
  newKidProblem,
  nextKid,
  parseActiveKids,
} from '../../src/core/signing/kid.ts';

const DAY = Date.UTC(2026, 11, 7, 23, 59, 59, 999);
const UUID = '5F0C8E2A-1B3D-4C5E-9F70-8192A3B4C5D6';

describe('kid rules', () => {
  it('accepts kids upstream creates and the characters it allows', () => {
    for (const kid of ['ts-2026-12-07', 'kid-a', 'a', 'k_1.2:3-X', 'x'.repeat(128)]) {
      assert.equal(newKidProblem(kid), undefined, kid);
    }
  });

  it('refuses a new kid that does not start with a lowercase letter', () => {
    for (const kid of ['Kid', '1kid', '-kid', '_kid', 'TS-2026-12-07']) {
      assert.equal(newKidProblem(kid), 'kid must start with a lowercase ASCII letter', kid);
      // Existing keys with such names can still be looked up (deactivated, verified).
      assert.equal(kidFormatProblem(kid), undefined, kid);
    }
  });

  it('refuses kids that name Object.prototype machinery', () => {
    for (const kid of ['__proto__', 'constructor', 'prototype']) {
      assert.equal(kidFormatProblem(kid), `kid must not be '${kid}'`);
      assert.throws(() => assertCreatableKid(kid), { code: 'bad_request' });
    }
  });

  it('refuses empty, over-long and out-of-alphabet kids', () => {
    assert.equal(kidFormatProblem(''), 'kid must be 1..=128 characters');
    assert.equal(kidFormatProblem('x'.repeat(129)), 'kid must be 1..=128 characters');
    for (const kid of ['a b', 'a,b', 'a/b', 'ké', 'a\n', 'a+b']) {
      assert.match(newKidProblem(kid) ?? '', /only ASCII alphanumerics/, JSON.stringify(kid));
    }
    assert.throws(() => assertCreatableKid('a,b'), {
      code: 'bad_request',
      publicMessage: "Bad request: kid must contain only ASCII alphanumerics, '-', '_', '.', ':'",
    });
  });

  it('never lets a comma or whitespace into a creatable kid, so active-kids round-trips', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { maxLength: 6 }),
        (kids) => {
          const creatable = kids.filter((kid) => newKidProblem(kid) === undefined);
          assert.deepEqual(parseActiveKids(creatable.join(',')), creatable);
        },
      ),
    );
  });
});

describe('parseActiveKids', () => {
  it('splits, trims and drops empty entries', () => {
    assert.deepEqual(parseActiveKids('kid-a,kid-b,kid-c'), ['kid-a', 'kid-b', 'kid-c']);
    assert.deepEqual(parseActiveKids(' kid-a , , kid-b '), ['kid-a', 'kid-b']);
    assert.deepEqual(parseActiveKids(',,,'), []);
    assert.deepEqual(parseActiveKids(''), []);
  });
});

describe('nextKid', () => {
  it('is the UTC date kid when that is unused', () => {
    assert.equal(dateKid(DAY), 'ts-2026-12-07');
    assert.equal(dateKid(DAY + 1), 'ts-2026-12-08');
    assert.equal(
      nextKid(['ts-2026-12-06'], DAY, () => UUID),
      'ts-2026-12-07',
    );
  });

  it('adds a dashless lowercase UUID when the date kid exists (a second rotation that day)', () => {
    const kid = nextKid(['ts-2026-12-07'], DAY, () => UUID);
    assert.equal(kid, 'ts-2026-12-07-5f0c8e2a1b3d4c5e9f708192a3b4c5d6');
    assert.equal(newKidProblem(kid), undefined);
  });

  it('draws another UUID if the suffixed kid is taken too, and gives up on a stuck source', () => {
    const uuids = [UUID, '00000000-0000-4000-8000-000000000001'];
    const existing = ['ts-2026-12-07', 'ts-2026-12-07-5f0c8e2a1b3d4c5e9f708192a3b4c5d6'];
    assert.equal(
      nextKid(existing, DAY, () => uuids.shift() as string),
      'ts-2026-12-07-00000000000040008000000000000001',
    );
    assert.throws(() => nextKid(existing, DAY, () => UUID), { code: 'internal' });
  });

  it('with a real random source, rotating many times a day never repeats a kid', () => {
    const kids = new Set<string>();
    for (let i = 0; i < 50; i++) kids.add(nextKid(kids, DAY, () => crypto.randomUUID()));
    assert.equal(kids.size, 50);
  });
});
