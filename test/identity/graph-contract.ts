/**
 * What the identity graph must do on every store (memory, SQLite, Redis): one suite, run by
 * identity-graph.test.ts against each, with real stores rather than mocks. The store's clock is the
 * graph's clock, so TTLs are tested by moving it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsError } from '../../src/core/errors.ts';
import {
  createIdentityGraph,
  MAX_ATTEMPTS,
  type IdentityGraph,
} from '../../src/core/identity/identity-graph.ts';
import type { KvPutOptions, KvStore } from '../../src/core/store/kv.ts';
import type { KvHarness } from '../contracts/kv-contract.ts';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const ID = `${HASH_A}.Ab12z9`;
const SEED = {
  geo: { country: 'FR', region: 'IDF' },
  publisherDomain: 'publisher.example',
  device: { is_mobile: 0 as const, platform_class: 'mac' },
};
const DAY_MS = 24 * 3600 * 1000;

/** Counts the conditional writes that lost, to prove a race test actually raced. */
function countingConflicts(store: KvStore): { store: KvStore; conflicts: () => number } {
  let conflicts = 0;
  const counted: KvStore = Object.create(store) as KvStore;
  counted.put = async (key: string, value: string, options?: KvPutOptions) => {
    const result = await store.put(key, value, options);
    if (!result.ok) conflicts++;
    return result;
  };
  return { store: counted, conflicts: () => conflicts };
}

/**
 * A store where another writer changes the entry between every read and conditional write:
 * upstream's conflict-injection test, with the writer being real writes to the real store.
 */
function alwaysRacing(store: KvStore): KvStore {
  const racing: KvStore = Object.create(store) as KvStore;
  racing.put = async (key: string, value: string, options?: KvPutOptions) => {
    if (options?.mode?.kind === 'if-generation') {
      const current = await store.get(key);
      if (current !== null) {
        await store.put(key, current.value, {
          ...(current.metadata === undefined ? {} : { metadata: current.metadata }),
        });
      }
    }
    return store.put(key, value, options);
  };
  return racing;
}

export function identityGraphSuite(name: string, open: () => Promise<KvHarness>): void {
  const test = (
    title: string,
    body: (graph: IdentityGraph, harness: KvHarness) => Promise<void>,
  ): void => {
    void it(title, async () => {
      const harness = await open();
      try {
        await body(createIdentityGraph(harness.store, { now: harness.clock.now }), harness);
      } finally {
        await harness.store.close();
        await harness.cleanup?.();
      }
    });
  };

  describe(`identity graph on ${name}`, () => {
    test('create writes a live entry with its metadata, once', async (graph, { store, clock }) => {
      assert.equal(await graph.create(ID, SEED), 'created');
      const read = await graph.get(ID);
      assert.ok(read !== null);
      const seconds = Math.floor(clock.now() / 1000);
      assert.deepEqual(
        { ...read.entry, ids: { ...read.entry.ids } },
        {
          v: 1,
          created: seconds,
          consent: { ok: true, updated: seconds },
          geo: { country: 'FR', region: 'IDF' },
          pub_properties: {
            origin_domain: 'publisher.example',
            seen_domains: ['publisher.example'],
          },
          device: { is_mobile: 0, platform_class: 'mac' },
          ids: {},
        },
      );
      const raw = await store.get(ID);
      assert.deepEqual(JSON.parse(raw?.metadata ?? 'null'), {
        ok: true,
        country: 'FR',
        v: 1,
        is_mobile: 0,
      });
      assert.equal(await graph.create(ID, { geo: { country: 'US' } }), 'exists');
      assert.equal((await graph.get(ID))?.entry.geo.country, 'FR');
      assert.equal(await graph.get(`${HASH_B}.Ab12z9`), null);
    });

    test('an entry lives a year, a tombstone a day', async (graph, { clock }) => {
      const other = `${HASH_B}.Zz9999`;
      await graph.create(ID, SEED);
      await graph.create(other, SEED);
      await graph.writeWithdrawalTombstone(other);
      clock.advance(DAY_MS - 1000);
      assert.ok(await graph.get(other));
      clock.advance(1000);
      assert.equal(await graph.get(other), null);
      clock.advance(363 * DAY_MS);
      assert.ok(await graph.get(ID));
      clock.advance(DAY_MS);
      assert.equal(await graph.get(ID), null);
    });

    test('partner upserts merge, skip unchanged UIDs, and never create an entry', async (graph, {
      store,
    }) => {
      assert.equal(await graph.upsertPartnerIdIfExists(ID, 'ssp.example', 'u1'), 'ineligible');
      assert.equal(await store.get(ID), null, 'a partner sync created an entry');
      await graph.create(ID, SEED);
      assert.equal(await graph.upsertPartnerIdIfExists(ID, 'ssp.example', 'u1'), 'written');
      const before = await store.get(ID);
      assert.equal(await graph.upsertPartnerIdIfExists(ID, 'ssp.example', 'u1'), 'unchanged');
      assert.equal(
        (await store.get(ID))?.generation,
        before?.generation,
        'an unchanged UID was written',
      );
      assert.equal(
        await graph.upsertPartnerIds(ID, [
          { sourceDomain: 'id5-sync.com', uid: 'first' },
          { sourceDomain: 'ssp.example', uid: 'u2' },
          { sourceDomain: 'id5-sync.com', uid: 'last' },
        ]),
        'written',
      );
      assert.deepEqual(
        { ...(await graph.get(ID))?.entry.ids },
        { 'id5-sync.com': { uid: 'last' }, 'ssp.example': { uid: 'u2' } },
      );
      assert.equal(await graph.upsertPartnerIds(ID, []), 'unchanged');
    });

    test('refuses bad IDs and UIDs before touching the store', async (graph, { store }) => {
      await graph.create(ID, SEED);
      const before = await store.get(ID);
      const refused = { code: 'bad_request' };
      await assert.rejects(graph.create(`${'A'.repeat(64)}.Ab12z9`, SEED), refused);
      await assert.rejects(graph.writeWithdrawalTombstone('legacy-id'), refused);
      await assert.rejects(
        graph.upsertPartnerIdIfExists(ID, 'p.example', 'x'.repeat(513)),
        refused,
      );
      await assert.rejects(graph.upsertPartnerIdIfExists(ID, 'p.example', '   '), refused);
      await assert.rejects(graph.upsertPartnerIdIfExists(ID, 'bad domain', 'x'), refused);
      assert.deepEqual(await store.get(ID), before);
      assert.equal(
        await graph.upsertPartnerIdIfExists(ID, 'p.example', 'x'.repeat(512)),
        'written',
      );
    });

    test('a withdrawal replaces the entry; partner syncs are refused until it is revived', async (graph, {
      store,
    }) => {
      await graph.create(ID, SEED);
      await graph.upsertPartnerIdIfExists(ID, 'ssp.example', 'u1');
      await graph.writeWithdrawalTombstone(ID);
      const tombstone = await store.get(ID);
      const written = JSON.parse(tombstone?.value ?? 'null') as { created: number };
      assert.deepEqual(written, {
        v: 1,
        created: written.created,
        consent: { ok: false, updated: written.created },
        geo: { country: 'ZZ' },
      });
      assert.deepEqual(JSON.parse(tombstone?.metadata ?? 'null'), {
        ok: false,
        country: 'ZZ',
        v: 1,
      });
      assert.equal(await graph.upsertPartnerIdIfExists(ID, 'ssp.example', 'u2'), 'ineligible');
      assert.equal(
        await graph.upsertPartnerIds(ID, [{ sourceDomain: 'b.example', uid: 'x' }]),
        'ineligible',
      );
      assert.deepEqual(await store.get(ID), tombstone, 'a sync wrote into a tombstone');
      assert.equal(await graph.create(ID, SEED), 'exists');

      assert.equal(await graph.createOrRevive(ID, SEED), 'revived');
      const revived = await graph.get(ID);
      assert.equal(revived?.entry.consent.ok, true);
      assert.deepEqual({ ...revived?.entry.ids }, {});
      assert.equal(await graph.createOrRevive(ID, { geo: { country: 'US' } }), 'exists');
      assert.equal((await graph.get(ID))?.entry.geo.country, 'FR', 'a live entry was replaced');
      const fresh = `${HASH_B}.Ab12z9`;
      assert.equal(await graph.createOrRevive(fresh, SEED), 'created');
    });

    test('two partners syncing into one entry at once both land', async (_graph, harness) => {
      const { store, conflicts } = countingConflicts(harness.store);
      const graph = createIdentityGraph(store, { now: harness.clock.now });
      await graph.create(ID, SEED);
      const results = await Promise.all([
        graph.upsertPartnerIdIfExists(ID, 'a.example', 'uid-a'),
        graph.upsertPartnerIdIfExists(ID, 'b.example', 'uid-b'),
      ]);
      assert.deepEqual(results, ['written', 'written']);
      assert.deepEqual(
        { ...(await graph.get(ID))?.entry.ids },
        { 'a.example': { uid: 'uid-a' }, 'b.example': { uid: 'uid-b' } },
      );
      assert.ok(conflicts() >= 1, 'the writers never raced');
    });

    test('two requests reviving one tombstone at once: one revives, one finds it live', async (graph) => {
      await graph.create(ID, SEED);
      await graph.writeWithdrawalTombstone(ID);
      const results = await Promise.all([
        graph.createOrRevive(ID, SEED),
        graph.createOrRevive(ID, SEED),
      ]);
      assert.deepEqual(results.sort(), ['exists', 'revived']);
      assert.equal((await graph.get(ID))?.entry.consent.ok, true);
    });

    test(`gives up with store_conflict after ${MAX_ATTEMPTS} lost races, writing nothing`, async (_graph, harness) => {
      const { store, conflicts } = countingConflicts(alwaysRacing(harness.store));
      const graph = createIdentityGraph(store, { now: harness.clock.now });
      await graph.create(ID, SEED);
      await assert.rejects(
        graph.upsertPartnerIdIfExists(ID, 'a.example', 'x'),
        (error: unknown) => {
          assert.ok(error instanceof TsError);
          assert.equal(error.code, 'store_conflict');
          assert.ok(!error.message.includes(ID), 'the full ID is in the message');
          return true;
        },
      );
      assert.equal(conflicts(), MAX_ATTEMPTS);
      assert.deepEqual({ ...(await graph.get(ID))?.entry.ids }, {});
      await graph.writeWithdrawalTombstone(ID);
      await assert.rejects(graph.createOrRevive(ID, SEED), { code: 'store_conflict' });
      assert.equal((await graph.get(ID))?.entry.consent.ok, false);
    });

    test('cluster size: counted once per hash prefix, stored, capped at 100', async (graph, {
      store,
    }) => {
      const siblings = ['Aaaaa1', 'Bbbbb2', 'Ccccc3'].map((suffix) => `${HASH_A}.${suffix}`);
      for (const id of siblings) await graph.create(id, SEED);
      await graph.create(`${HASH_B}.Ddddd4`, SEED);
      const first = siblings[0] as string;
      assert.equal(await graph.evaluateCluster(first), 3);
      assert.equal((await graph.get(first))?.entry.network?.cluster_size, 3);
      assert.deepEqual(JSON.parse((await store.get(first))?.metadata ?? '{}'), {
        ok: true,
        country: 'FR',
        v: 1,
        cluster_size: 3,
        is_mobile: 0,
      });
      await graph.create(`${HASH_A}.Eeeee5`, SEED);
      assert.equal(await graph.evaluateCluster(first), 3, 'the stored size was not reused');
      assert.equal(await graph.evaluateCluster(siblings[1] as string), 4);
      assert.equal(await graph.evaluateCluster(`${HASH_A}.Nnnnn0`), null);
      await graph.writeWithdrawalTombstone(siblings[2] as string);
      const tombstone = await store.get(siblings[2] as string);
      assert.equal(await graph.evaluateCluster(siblings[2] as string), null);
      assert.deepEqual(
        await store.get(siblings[2] as string),
        tombstone,
        'a tombstone was rewritten',
      );

      const hash = 'c'.repeat(64);
      for (let index = 0; index < 105; index++) {
        await graph.create(`${hash}.${String(index).padStart(6, '0')}`, SEED);
      }
      assert.equal(await graph.evaluateCluster(`${hash}.000000`), 100);
    });

    test('an unreadable entry fails as internal and is left alone', async (graph, { store }) => {
      await store.put(ID, '{"v":2}');
      await assert.rejects(graph.get(ID), (error: unknown) => {
        assert.ok(error instanceof TsError && error.code === 'internal');
        assert.match(error.message, /aaaaaaaa… is unreadable: v must be 1/);
        return true;
      });
      await assert.rejects(graph.upsertPartnerIdIfExists(ID, 'a.example', 'x'), {
        code: 'internal',
      });
      await assert.rejects(graph.createOrRevive(ID, SEED), { code: 'internal' });
      assert.equal((await store.get(ID))?.value, '{"v":2}');
    });
  });
}
