/**
 * The key ring's rules (src/core/signing/key-ring.ts): every case of upstream's `rotation.rs`
 * tests that still applies to a ring written in one piece, the overlap window, and the stored
 * form (which must round-trip, and whose seeds nothing else may print).
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { Secret } from '../../src/core/settings/secret.ts';
import {
  deactivateInRing,
  EMPTY_KEY_RING,
  importIntoRing,
  keyState,
  parseKeyRing,
  rotateRing,
  serializeKeyRing,
  type KeyRing,
  type NewKey,
} from '../../src/core/signing/key-ring.ts';
import { publicJwk } from '../../src/core/signing/jwk.ts';

const DAY_MS = 24 * 3600 * 1000;
const OVERLAP = 7 * DAY_MS;
const T0 = Date.UTC(2026, 0, 1);

/** A key whose seed text is recognisable, so a test can look for it anywhere. */
function key(kid: string): NewKey {
  return {
    kid,
    jwk: publicJwk(kid, new Uint8Array(32).fill(kid.length)),
    seed: new Secret(`SEED-OF-${kid}-${'A'.repeat(20)}=`),
  };
}

function ringOf(...kids: string[]): KeyRing {
  let ring = EMPTY_KEY_RING;
  kids.forEach((kid, index) => {
    ring = rotateRing(ring, key(kid), T0 + index * DAY_MS);
  });
  return ring;
}

const options = (nowMs: number, remove = false) => ({ delete: remove, nowMs, overlapMs: OVERLAP });

describe('rotation (upstream rotation.rs)', () => {
  it('appends the new kid to the active kids and makes it current', () => {
    const ring = ringOf('a1', 'b1');
    assert.equal(ring.current, 'b1');
    assert.deepEqual(ring.active, ['a1', 'b1']);
    const rotated = rotateRing(ring, key('c1'), T0 + 5 * DAY_MS);
    assert.deepEqual(rotated.active, ['a1', 'b1', 'c1']);
    assert.equal(rotated.current, 'c1');
    // The previous current key is retired now; the one before keeps its own retirement time.
    assert.equal(rotated.keys.get('b1')?.retiredAt, T0 + 5 * DAY_MS);
    assert.equal(rotated.keys.get('a1')?.retiredAt, T0 + DAY_MS);
  });

  it('does not reactivate a deactivated previous kid', () => {
    const ring = ringOf('a1', 'b1');
    const deactivated = deactivateInRing(ring, 'a1', options(T0 + 30 * DAY_MS));
    const rotated = rotateRing(deactivated, key('c1'), T0 + 31 * DAY_MS);
    assert.deepEqual(rotated.active, ['b1', 'c1']);
    assert.equal(keyState(rotated, 'a1'), 'inactive');
  });

  it('rejects a kid that is already active, or stored but inactive', () => {
    const ring = ringOf('a1', 'b1');
    assert.throws(() => rotateRing(ring, key('a1'), T0), {
      code: 'store_conflict',
      message: "kid 'a1' already exists; choose a unique kid",
    });
    const deactivated = deactivateInRing(ring, 'a1', options(T0 + 30 * DAY_MS));
    assert.throws(() => rotateRing(deactivated, key('a1'), T0), { code: 'store_conflict' });
    // Refused without a change: the ring is a value, the caller keeps the one it had.
    assert.deepEqual(deactivated.active, ['b1']);
  });

  it('the first rotation of an empty ring has no previous key to retire', () => {
    const ring = rotateRing(EMPTY_KEY_RING, key('a1'), T0);
    assert.equal(ring.current, 'a1');
    assert.equal(ring.keys.get('a1')?.retiredAt, undefined);
    assert.equal(ring.keys.get('a1')?.createdAt, T0);
  });
});

describe('deactivation and deletion (upstream rotation.rs)', () => {
  it('refuses the current kid, with and without delete, before changing anything', () => {
    const ring = ringOf('a1', 'b1');
    for (const remove of [false, true]) {
      assert.throws(() => deactivateInRing(ring, 'b1', options(T0 + 99 * DAY_MS, remove)), {
        code: 'store_conflict',
        message: `cannot ${remove ? 'delete' : 'deactivate'} 'b1' because it is the current signing key; rotate first`,
      });
    }
    assert.ok(ring.keys.has('b1'));
  });

  it('refuses the last active key', () => {
    // Only reachable when the current key was unpublished by hand, or imported inactive.
    const ring: KeyRing = { ...ringOf('a1', 'b1'), active: ['a1'] };
    assert.throws(() => deactivateInRing(ring, 'a1', options(T0 + 99 * DAY_MS)), {
      code: 'store_conflict',
      message: 'cannot deactivate the last active key',
    });
  });

  it('deactivation unpublishes but keeps the key; delete removes it', () => {
    const ring = ringOf('a1', 'b1');
    const later = T0 + 30 * DAY_MS;
    const deactivated = deactivateInRing(ring, 'a1', options(later));
    assert.deepEqual(deactivated.active, ['b1']);
    assert.ok(deactivated.keys.has('a1'), 'still verifiable');
    // Deleting an already inactive key needs no overlap check, and again is a 404.
    const deleted = deactivateInRing(deactivated, 'a1', options(later, true));
    assert.equal(deleted.keys.has('a1'), false);
    assert.throws(() => deactivateInRing(deleted, 'a1', options(later, true)), {
      code: 'not_found',
    });
  });

  it('an unknown kid is a 404, a kid with illegal characters a 400', () => {
    const ring = ringOf('a1', 'b1');
    assert.throws(() => deactivateInRing(ring, 'nope', options(T0)), {
      code: 'not_found',
      message: "no signing key 'nope'",
    });
    assert.throws(() => deactivateInRing(ring, 'a1,b1', options(T0)), {
      code: 'bad_request',
      message: "kid must contain only ASCII alphanumerics, '-', '_', '.', ':'",
    });
  });
});

describe('the overlap window', () => {
  const ring = ringOf('a1', 'b1'); // a1 retired at T0 + 1 day
  const retired = T0 + DAY_MS;

  it('refuses to unpublish a retired key inside the window, saying when it may', () => {
    for (const remove of [false, true]) {
      assert.throws(() => deactivateInRing(ring, 'a1', options(retired + OVERLAP - 1, remove)), {
        code: 'store_conflict',
        status: 409,
        message: `cannot ${remove ? 'delete' : 'deactivate'} 'a1' before ${new Date(retired + OVERLAP).toISOString()}: verifiers may still hold it (rotation_overlap_secs)`,
      });
    }
  });

  it('allows it from the end of the window on', () => {
    assert.deepEqual(deactivateInRing(ring, 'a1', options(retired + OVERLAP)).active, ['b1']);
  });

  it('a key that never signed (imported beside a current one) has no window', () => {
    const imported = importIntoRing(ring, key('old-import'), T0 + 2 * DAY_MS);
    assert.equal(keyState(imported, 'old-import'), 'active');
    const done = deactivateInRing(imported, 'old-import', options(T0 + 2 * DAY_MS));
    assert.deepEqual(done.active, ['a1', 'b1']);
  });
});

describe('import', () => {
  it('becomes current only when nothing is', () => {
    const first = importIntoRing(EMPTY_KEY_RING, key('ts-2025-10-A'), T0);
    assert.equal(first.current, 'ts-2025-10-A');
    const second = importIntoRing(first, key('ts-2025-11-A'), T0);
    assert.equal(second.current, 'ts-2025-10-A');
    assert.deepEqual(second.active, ['ts-2025-10-A', 'ts-2025-11-A']);
    assert.throws(() => importIntoRing(second, key('ts-2025-10-A'), T0), {
      code: 'store_conflict',
    });
  });

  it('states: current, retired, active, inactive', () => {
    let ring = ringOf('a1', 'b1');
    ring = importIntoRing(ring, key('c1'), T0);
    ring = rotateRing(ring, key('d1'), T0 + 40 * DAY_MS);
    ring = deactivateInRing(ring, 'a1', options(T0 + 40 * DAY_MS));
    assert.deepEqual(
      ['a1', 'b1', 'c1', 'd1'].map((kid) => keyState(ring, kid)),
      ['inactive', 'retired', 'active', 'current'],
    );
  });
});

describe('stored form', () => {
  it('round-trips, seeds included, with the seed under an obviously secret name', () => {
    const ring = deactivateInRing(ringOf('a1', 'b1', 'c1'), 'a1', options(T0 + 30 * DAY_MS));
    const text = serializeKeyRing(ring);
    assert.match(text, /"secret_seed_base64":"SEED-OF-b1-/);
    const back = parseKeyRing(text);
    assert.equal(back.current, 'c1');
    assert.deepEqual(back.active, ['b1', 'c1']);
    assert.equal(back.keys.get('a1')?.seed.reveal(), key('a1').seed.reveal());
    assert.equal(back.keys.get('b1')?.retiredAt, T0 + 2 * DAY_MS);
    assert.deepEqual(back.keys.get('c1')?.jwk, key('c1').jwk);
  });

  it('keeps a key whose kid is an Object.prototype name (__proto__) in the stored form', () => {
    const stored = { ...key('__proto__'), createdAt: T0 };
    const ring: KeyRing = {
      current: '__proto__',
      active: ['__proto__'],
      keys: new Map([['__proto__', stored]]),
    };
    const keys = (JSON.parse(serializeKeyRing(ring)) as { keys: object }).keys;
    assert.deepEqual(Object.keys(keys), ['__proto__']);
  });

  it('no other way of printing a ring or a key shows a seed', () => {
    const ring = ringOf('a1', 'b1');
    const views = [
      JSON.stringify([...ring.keys.values()]),
      JSON.stringify(Object.fromEntries(ring.keys)),
      inspect(ring, { depth: 10 }),
      String(ring.keys.get('a1')?.seed),
    ];
    for (const view of views) assert.doesNotMatch(view, /SEED-OF/);
  });

  it('a corrupt document is a configuration error that never echoes it', () => {
    for (const text of ['{"secret_seed_base64":"SEED-OF-x', '{"format":2}', '[]']) {
      assert.throws(
        () => parseKeyRing(text),
        (error: Error & { code?: string }) =>
          error.code === 'configuration' && !error.message.includes('SEED-OF'),
      );
    }
    const missingSeed = serializeKeyRing(ringOf('a1')).replace(/"secret_seed_base64":"[^"]*",/, '');
    assert.throws(() => parseKeyRing(missingSeed), {
      message: "stored signing key ring is corrupt: key 'a1' has no seed",
    });
  });
});
