/**
 * The keystore on a kv store (src/core/signing/kv-keystore.ts) and the request signer on top of
 * it: upstream's vector through an imported key, every signature re-checked by node:crypto, the
 * ring cache, refusals on a store without compare-and-swap, and two keystores rotating at once
 * over one store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TsError } from '../../src/core/errors.ts';
import { Secret } from '../../src/core/settings/secret.ts';
import { nobleEd25519 } from '../../src/core/signing/ed25519-noble.ts';
import { createKvKeyStore, KEY_RING_KEY } from '../../src/core/signing/kv-keystore.ts';
import { createConfigSecretKeyStore } from '../../src/core/signing/config-secret-keystore.ts';
import { createRequestSigner } from '../../src/core/signing/request-signer.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { createMemoryKv } from '../../src/core/store/memory-kv.ts';
import { KV_LIMITS } from '../../src/core/store/kv.ts';
import { publicJwk } from '../../src/core/signing/jwk.ts';
import { serializeKeyRing, type StoredKey } from '../../src/core/signing/key-ring.ts';
import {
  FIXTURE_KID,
  FIXTURE_PAYLOAD,
  FIXTURE_SEED,
  FIXTURE_SIGNATURE,
  FIXTURE_X,
} from './fixture-key.ts';
import { opensslVerifies } from './independent-verify.ts';

const OVERLAP_MS = 7 * 24 * 3600 * 1000;
const VECTOR_FIELDS = {
  host: 'publisher.com',
  scheme: 'https',
  id: 'auction-123',
  ts: 1706900000000,
};

function clock(start = Date.UTC(2026, 11, 7, 12)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('kv keystore', () => {
  it('an imported upstream key signs upstream vector byte for byte (both backends)', async () => {
    for (const backend of [undefined, nobleEd25519]) {
      const keystore = createKvKeyStore(createMemoryKv(), { overlapMs: OVERLAP_MS, backend });
      const imported = await keystore.importKey(FIXTURE_KID, new Secret(FIXTURE_SEED));
      assert.equal(imported.becameCurrent, true);
      assert.equal(imported.jwk.x, FIXTURE_X);
      const signed = await createRequestSigner(keystore, backend).sign(VECTOR_FIELDS);
      assert.deepEqual(signed, {
        kid: FIXTURE_KID,
        signature: FIXTURE_SIGNATURE,
        payload: FIXTURE_PAYLOAD,
      });
    }
  });

  it('refuses to import or rotate to kid __proto__, storing nothing', async () => {
    const kv = createMemoryKv();
    const keystore = createKvKeyStore(kv, { overlapMs: OVERLAP_MS });
    await assert.rejects(keystore.importKey('__proto__', new Secret(FIXTURE_SEED)), {
      code: 'bad_request',
    });
    await assert.rejects(keystore.rotate('constructor'), { code: 'bad_request' });
    assert.equal(await kv.get(KEY_RING_KEY), null);
  });

  it('a ring grown near the store limit refuses rotation with 409 naming what to delete', async () => {
    const time = clock();
    const keys = new Map<string, StoredKey>();
    const ring = () => ({ current: 'live', active: ['live'], keys });
    const add = (kid: string) =>
      keys.set(kid, {
        kid,
        jwk: publicJwk(kid, new Uint8Array(32).fill(7)),
        seed: new Secret(FIXTURE_SEED),
        createdAt: time.now() - 400 * 24 * 3600 * 1000,
      });
    add('live');
    // Inactive keys (deactivated, not deleted) until one more key would not fit.
    for (let day = 0; serializeKeyRing(ring()).length < KV_LIMITS.valueBytes - 150; day++) {
      add(`ts-old-${day}`);
    }
    const kv = createMemoryKv();
    await kv.put(KEY_RING_KEY, serializeKeyRing(ring()), { mode: { kind: 'overwrite' } });
    const keystore = createKvKeyStore(kv, { overlapMs: OVERLAP_MS, now: time.now, cacheMs: 0 });
    const before = (await kv.get(KEY_RING_KEY))?.value;
    await assert.rejects(keystore.rotate(), (error: TsError) => {
      assert.equal(error.status, 409);
      assert.match(
        error.message,
        new RegExp(`holds ${keys.size + 1} keys, ${keys.size - 1} of them inactive`),
      );
      assert.match(error.message, /keys deactivate --kid K --delete/);
      assert.match(error.message, /"delete": true/);
      return true;
    });
    assert.equal((await kv.get(KEY_RING_KEY))?.value, before, 'nothing written');
    // Deleting inactive keys makes room again.
    await keystore.deactivate('ts-old-0', { delete: true });
    await keystore.deactivate('ts-old-1', { delete: true });
    assert.match((await keystore.rotate('fresh')).newKid, /^fresh$/);
  });

  it('rotation makes a key that signs, verified by node:crypto, and the signer follows it', async () => {
    const time = clock();
    const keystore = createKvKeyStore(createMemoryKv(), { overlapMs: OVERLAP_MS, now: time.now });
    const signer = createRequestSigner(keystore);
    await assert.rejects(
      signer.sign(VECTOR_FIELDS),
      /no current signing key: run `trusted-server keys generate/,
    );
    const first = await keystore.rotate();
    assert.equal(first.newKid, 'ts-2026-12-07');
    const one = await signer.sign(VECTOR_FIELDS);
    assert.equal(one.kid, first.newKid);
    assert.ok(opensslVerifies(first.jwk.x, one.payload, one.signature));
    const second = await keystore.rotate('partner-b');
    assert.equal(second.previousKid, first.newKid);
    assert.deepEqual(second.activeKids, [first.newKid, 'partner-b']);
    const two = await signer.sign(VECTOR_FIELDS);
    assert.equal(two.kid, 'partner-b');
    assert.ok(opensslVerifies(second.jwk.x, two.payload, two.signature));
    assert.equal(opensslVerifies(first.jwk.x, two.payload, two.signature), false);
  });

  it('a second rotation the same day gets a date kid with a UUID suffix', async () => {
    const keystore = createKvKeyStore(createMemoryKv(), {
      overlapMs: OVERLAP_MS,
      now: clock().now,
      randomUuid: () => '5F0C8E2A-1B3D-4C5E-9F70-8192A3B4C5D6',
    });
    await keystore.rotate();
    const second = await keystore.rotate();
    assert.equal(second.newKid, 'ts-2026-12-07-5f0c8e2a1b3d4c5e9f708192a3b4c5d6');
  });

  it('the overlap window holds the retired key until it is over', async () => {
    const time = clock();
    const keystore = createKvKeyStore(createMemoryKv(), { overlapMs: OVERLAP_MS, now: time.now });
    const old = await keystore.rotate('old');
    await keystore.rotate('new');
    await assert.rejects(keystore.deactivate(old.newKid, { delete: false }), {
      status: 409,
      message: /^cannot deactivate 'old' before 2026-12-14T12:00:00\.000Z/,
    });
    time.advance(OVERLAP_MS);
    const done = await keystore.deactivate(old.newKid, { delete: false });
    assert.deepEqual(done.remainingActiveKids, ['new']);
    assert.deepEqual(await keystore.activeKids(), ['new']);
    assert.ok((await keystore.jwk('old')) !== undefined, 'deactivated keys still verify');
    await keystore.deactivate('old', { delete: true });
    assert.equal(await keystore.jwk('old'), undefined);
    assert.equal(await keystore.seed('old'), undefined);
  });

  it('reads are cached for a few seconds; its own writes are seen at once', async () => {
    const time = clock();
    const kv = createMemoryKv(time.now);
    const reader = createKvKeyStore(kv, { overlapMs: OVERLAP_MS, now: time.now, cacheMs: 5000 });
    const writer = createKvKeyStore(kv, { overlapMs: OVERLAP_MS, now: time.now, cacheMs: 5000 });
    assert.equal(await reader.currentKid(), undefined);
    await writer.rotate('k1');
    assert.equal(await writer.currentKid(), 'k1');
    assert.equal(await reader.currentKid(), undefined, 'cached');
    time.advance(5000);
    assert.equal(await reader.currentKid(), 'k1');
  });

  it('a store without compare-and-swap can be read but never written', async () => {
    const kv = createMemoryKv();
    await createKvKeyStore(kv, { overlapMs: OVERLAP_MS }).importKey(
      FIXTURE_KID,
      new Secret(FIXTURE_SEED),
    );
    const noCas: KvStore = Object.assign(Object.create(kv) as KvStore, {
      kind: 'workers-kv',
      capabilities: { cas: false, ttl: true, consistent: false },
    });
    const keystore = createKvKeyStore(noCas, { overlapMs: OVERLAP_MS });
    assert.equal(await keystore.currentKid(), FIXTURE_KID);
    for (const write of [
      () => keystore.rotate(),
      () => keystore.deactivate(FIXTURE_KID, { delete: false }),
      () => keystore.importKey('other', new Secret(FIXTURE_SEED)),
    ]) {
      await assert.rejects(write(), {
        code: 'unavailable',
        message: /workers-kv store has no compare-and-swap/,
      });
    }
  });

  it('two keystores rotating at once over one store both keep their key', async () => {
    const kv = createMemoryKv();
    const stores = Array.from({ length: 6 }, () =>
      createKvKeyStore(kv, { overlapMs: OVERLAP_MS, cacheMs: 0 }),
    );
    const results = await Promise.all(stores.map((store, index) => store.rotate(`k${index}`)));
    const ring = await stores[0]?.ring();
    assert.equal(ring?.keys.size, 6);
    assert.deepEqual([...(ring?.active ?? [])].sort(), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    assert.ok(results.some((result) => result.newKid === ring?.current));
    // Every rotation saw the one before it: exactly one had no previous key.
    assert.equal(results.filter((result) => result.previousKid === undefined).length, 1);
  });

  it('import refuses a bad seed or kid, naming the problem', async () => {
    const keystore = createKvKeyStore(createMemoryKv(), { overlapMs: OVERLAP_MS });
    await assert.rejects(keystore.importKey('k1', new Secret('c2hvcnQ=')), {
      code: 'bad_request',
      message: 'signing key must decode to 32 bytes, got 5',
    });
    await assert.rejects(keystore.importKey('k 1', new Secret(FIXTURE_SEED)), {
      code: 'bad_request',
      message: /^kid must contain only/,
    });
  });

  it('keeps the whole ring in one entry', async () => {
    const kv = createMemoryKv();
    const keystore = createKvKeyStore(kv, { overlapMs: OVERLAP_MS });
    await keystore.rotate('k1');
    await keystore.rotate('k2');
    assert.equal(await kv.countPrefix('', 100), 1);
    assert.ok((await kv.get(KEY_RING_KEY)) !== null);
  });
});

describe('config/secret keystore (Fastly layout, read-only)', () => {
  const config: Record<string, string> = {
    'current-kid': FIXTURE_KID,
    'active-kids': ` ${FIXTURE_KID} , ,old `,
    [FIXTURE_KID]: `{"kty":"OKP","crv":"Ed25519","x":"${FIXTURE_X}","alg":"EdDSA","kid":"${FIXTURE_KID}"}`,
  };
  const keystore = createConfigSecretKeyStore({
    config: (key) => Promise.resolve(config[key] ?? null),
    secret: (key) => Promise.resolve(key === FIXTURE_KID ? FIXTURE_SEED : null),
  });

  it('reads upstream layout and signs upstream vector', async () => {
    assert.deepEqual(await keystore.activeKids(), [FIXTURE_KID, 'old']);
    const signed = await createRequestSigner(keystore).sign(VECTOR_FIELDS);
    assert.equal(signed.signature, FIXTURE_SIGNATURE);
    assert.equal(await keystore.jwk('current-kid,x'), undefined, 'no lookups of odd kids');
    assert.equal(await keystore.jwk('active-kids'), undefined, 'nor of the bookkeeping keys');
    assert.equal(await keystore.seed('current-kid'), undefined);
  });

  it('refuses every write, pointing at the Fastly API', async () => {
    await assert.rejects(keystore.rotate(), { code: 'unavailable', message: /use the Fastly API/ });
    await assert.rejects(keystore.deactivate('old', { delete: false }), /use the Fastly API/);
  });
});
