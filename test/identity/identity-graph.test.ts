/**
 * The identity graph (src/core/identity/identity-graph.ts) on the memory store, SQLite and a real
 * redis-server, and what only a network store can do to it: stop, or hang, mid-operation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TsError } from '../../src/core/errors.ts';
import { createIdentityGraph } from '../../src/core/identity/identity-graph.ts';
import { createMemoryKv } from '../../src/core/store/memory-kv.ts';
import { openRedisKv } from '../../src/node/stores/redis-kv.ts';
import { openSqliteKv } from '../../src/node/stores/sqlite-kv.ts';
import { TestClock } from '../contracts/kv-contract.ts';
import { redisSkip, startRedis, type TestRedis } from '../helpers/redis.ts';
import { identityGraphSuite } from './graph-contract.ts';

const ID = `${'d'.repeat(64)}.Ab12z9`;
const SEED = { geo: { country: 'US' } };

identityGraphSuite('memory', () => {
  const clock = new TestClock();
  return Promise.resolve({ store: createMemoryKv(clock.now), clock });
});

identityGraphSuite('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-graph-'));
  const clock = new TestClock();
  const store = openSqliteKv({ path: join(dir, 'graph.db'), busyTimeoutMs: 1000, now: clock.now });
  return Promise.resolve({
    store,
    clock,
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  });
});

if (redisSkip) console.log(`# skipping identity graph Redis tests: ${redisSkip}`);

describe('identity graph on Redis', { skip: redisSkip }, () => {
  let redis: TestRedis;
  let prefixes = 0;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  identityGraphSuite('redis', async () => {
    const clock = new TestClock();
    const store = await openRedisKv({
      url: redis.url,
      timeoutMs: 1000,
      now: clock.now,
      keyPrefix: `graph${++prefixes}:`,
    });
    return { store, clock };
  });
});

describe('identity graph when Redis fails', { skip: redisSkip, timeout: 30_000 }, () => {
  const timeoutMs = 300;

  it('a stopped Redis gives store_unavailable for every operation', async () => {
    const redis = await startRedis();
    const store = await openRedisKv({ url: redis.url, timeoutMs, keyPrefix: 'x:' });
    const graph = createIdentityGraph(store, { now: Date.now });
    try {
      await redis.stop();
      const operations: Array<[string, () => Promise<unknown>]> = [
        ['get', () => graph.get(ID)],
        ['create', () => graph.create(ID, SEED)],
        ['createOrRevive', () => graph.createOrRevive(ID, SEED)],
        ['upsert', () => graph.upsertPartnerIdIfExists(ID, 'a.example', 'x')],
        ['tombstone', () => graph.writeWithdrawalTombstone(ID)],
        ['cluster', () => graph.evaluateCluster(ID)],
      ];
      for (const [name, operation] of operations) {
        await assert.rejects(operation(), (error: unknown) => {
          assert.ok(error instanceof TsError, `${name}: ${String(error)}`);
          assert.equal(error.code, 'store_unavailable', name);
          return true;
        });
      }
    } finally {
      await store.close();
      await redis.stop();
    }
  });

  it('a Redis that hangs mid-sync leaves the entry as it was, and it syncs once Redis is back', async () => {
    const redis = await startRedis();
    const store = await openRedisKv({ url: redis.url, timeoutMs, keyPrefix: 'x:' });
    const graph = createIdentityGraph(store, { now: Date.now });
    try {
      await graph.create(ID, SEED);
      const before = await store.get(ID);
      redis.pause();
      await assert.rejects(graph.upsertPartnerIdIfExists(ID, 'a.example', 'x'), {
        code: 'store_unavailable',
      });
      await assert.rejects(graph.writeWithdrawalTombstone(ID), { code: 'store_unavailable' });
      redis.resume();
      // Retry reads until the connection is back; the store is never reopened.
      let after: Awaited<ReturnType<typeof store.get>> = null;
      for (let tries = 0; ; tries++) {
        try {
          after = await store.get(ID);
          break;
        } catch (error) {
          if (tries > 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      // Whatever reached the server while it hung, the entry is one whole entry: the old one, or
      // (if the server ran the queued tombstone write on resume) the tombstone, never a mix.
      const entry = (await graph.get(ID))?.entry;
      assert.ok(entry !== undefined);
      assert.deepEqual({ ...entry.ids }, {});
      if (entry.consent.ok) assert.deepEqual(after, before);
      assert.equal(
        await graph.upsertPartnerIdIfExists(ID, 'a.example', 'x'),
        entry.consent.ok ? 'written' : 'ineligible',
      );
    } finally {
      redis.resume();
      await store.close();
      await redis.stop();
    }
  });
});
