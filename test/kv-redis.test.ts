/**
 * The Redis store (src/node/stores/redis-kv.ts) against a real redis-server on loopback: the
 * contract, and what only a network store has to get right — separate processes share it without
 * losing an update, a Redis that stops or hangs makes calls fail fast and they work again when
 * it returns, an unreachable one stops start-up with a message naming `[store] url` and never
 * the password. Skipped, with the reason printed, where redis-server is not installed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { TsError } from '../src/core/errors.ts';
import { createLogger } from '../src/core/log.ts';
import { KV_LIMITS, type KvStore } from '../src/core/store/kv.ts';
import { openRedisKv, escapeGlob } from '../src/node/stores/redis-kv.ts';
import { redactRedisUrl } from '../src/node/stores/redis-connection.ts';
import { StoreOpenError } from '../src/node/stores/store-open-error.ts';
import { kvContract, TestClock } from './contracts/kv-contract.ts';
import { importFrom, incrementFromProcesses } from './helpers/concurrent-writers.ts';
import { redisSkip, startRedis, type TestRedis } from './helpers/redis.ts';

if (redisSkip) console.log(`# skipping Redis store tests: ${redisSkip}`);

let prefixes = 0;
/** A namespace no other test uses, so tests share one server without seeing each other. */
const freshPrefix = () => `test${++prefixes}:`;

describe('Redis store', { skip: redisSkip }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  kvContract('redis', async () => {
    const clock = new TestClock();
    const store = await openRedisKv({
      url: redis.url,
      timeoutMs: 1000,
      now: clock.now,
      keyPrefix: freshPrefix(),
    });
    return { store, clock };
  });

  it('an entry at every limit at once round-trips', async () => {
    const store = await openRedisKv({ url: redis.url, timeoutMs: 1000, keyPrefix: freshPrefix() });
    try {
      const key = 'k'.repeat(KV_LIMITS.keyBytes);
      const value = '𝄞'.repeat(KV_LIMITS.valueBytes / 4);
      const metadata = 'm'.repeat(KV_LIMITS.metadataBytes);
      const written = await store.put(key, value, {
        metadata,
        ttlSeconds: KV_LIMITS.maxTtlSeconds,
      });
      assert.ok(written.ok);
      assert.deepEqual(await store.get(key), { value, metadata, generation: written.generation });
    } finally {
      await store.close();
    }
  });

  it('keeps every key under its namespace, and lets Redis collect expired entries', async () => {
    const keyPrefix = freshPrefix();
    const store = await openRedisKv({ url: redis.url, timeoutMs: 1000, keyPrefix });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      assert.ok((await store.put('ec:1', 'a', { ttlSeconds: 60 })).ok);
      assert.ok((await store.put('ec:2', 'b')).ok);
      assert.deepEqual((await raw.keys(`${keyPrefix}*`)).sort(), [
        `${keyPrefix}kv:ec:1`,
        `${keyPrefix}kv:ec:2`,
      ]);
      // Collected after the TTL plus a grace period for clock differences; never, without one.
      const ttl = await raw.pTTL(`${keyPrefix}kv:ec:1`);
      assert.ok(ttl > 60_000 && ttl <= 60_000 + 5 * 60_000, `PTTL ${ttl}`);
      assert.equal(await raw.pTTL(`${keyPrefix}kv:ec:2`), -1);
      assert.ok((await store.put('ec:1', 'kept')).ok);
      assert.equal(await raw.pTTL(`${keyPrefix}kv:ec:1`), -1);
    } finally {
      raw.destroy();
      await store.close();
    }
  });

  it('loses no update when several processes write the same key at once', async () => {
    const keyPrefix = freshPrefix();
    const perProcess = 100;
    await incrementFromProcesses({
      imports: importFrom('openRedisKv', 'src/node/stores/redis-kv.ts'),
      openStore: `openRedisKv({ url: ${JSON.stringify(redis.url)}, timeoutMs: 2000, keyPrefix: ${JSON.stringify(keyPrefix)} })`,
      processes: 3,
      perProcess,
    });
    const store = await openRedisKv({ url: redis.url, timeoutMs: 1000, keyPrefix });
    try {
      assert.equal((await store.get('counter'))?.value, String(3 * perProcess));
    } finally {
      await store.close();
    }
  });

  it('escapes every glob metacharacter of a prefix', () => {
    assert.equal(escapeGlob('a*b?c[d]e\\f'), 'a\\*b\\?c\\[d\\]e\\\\f');
    assert.equal(escapeGlob('ec:plain'), 'ec:plain');
  });
});

// A failure test that hangs is the bug it looks for: end it long before the runner's own timeout.
describe('Redis store failures', { skip: redisSkip, timeout: 30_000 }, () => {
  // Long enough that a loaded machine's event-loop lag stays well inside the 3× bound.
  const timeoutMs = 500;
  const password = 'correct horse battery staple';

  /** Every call of the store, each expected to reject as store_unavailable within the bound. */
  const expectUnavailable = async (store: KvStore) => {
    const calls: [string, () => Promise<unknown>][] = [
      ['get', () => store.get('k')],
      ['put', () => store.put('k', 'v')],
      ['add', () => store.put('k', 'v', { mode: { kind: 'add' } })],
      ['delete', () => store.delete('k')],
      ['countPrefix', () => store.countPrefix('', 10)],
    ];
    for (const [name, call] of calls) {
      const started = performance.now();
      await assert.rejects(call, (error: unknown) => {
        assert.ok(error instanceof TsError, `${name}: ${String(error)}`);
        assert.equal(error.code, 'store_unavailable', name);
        assert.ok(!error.message.includes(password), `${name} leaks the password`);
        return true;
      });
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 3 * timeoutMs, `${name} took ${elapsed.toFixed(0)} ms`);
    }
  };

  /** Retries `get` until it works again, for at most `ms`; the store is never reopened. */
  const recovers = async (store: KvStore, ms: number) => {
    const deadline = performance.now() + ms;
    for (;;) {
      try {
        return await store.get('k');
      } catch (error) {
        if (performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };

  it('a stopped Redis fails calls fast; restarted on its port, the same store works again', async () => {
    const redis = await startRedis({ password });
    const logs: string[] = [];
    const log = createLogger({ level: 'debug', sink: (line) => logs.push(line) });
    const store = await openRedisKv({ url: redis.url, timeoutMs, log, keyPrefix: 'x:' });
    try {
      assert.ok((await store.put('k', 'before')).ok);
      await redis.stop();
      await expectUnavailable(store);
      await redis.start();
      // The restarted server is empty, and has forgotten the store's Lua scripts too.
      assert.equal(await recovers(store, 5000), null);
      const written = await store.put('k', 'after', { mode: { kind: 'add' } });
      assert.ok(written.ok);
      assert.equal((await store.get('k'))?.value, 'after');
      assert.equal(await store.countPrefix('', 10), 1);
      assert.equal(await store.delete('k'), true);
      // Lost and back, once each, and never the password.
      assert.equal(logs.filter((line) => line.includes('lost the Redis connection')).length, 1);
      assert.equal(logs.filter((line) => line.includes('Redis connection is back')).length, 1);
      assert.ok(!logs.join('\n').includes(password));
    } finally {
      await store.close();
      await redis.stop();
    }
  });

  it('a Redis that stops answering fails calls within the timeout, and works when it resumes', async () => {
    const redis = await startRedis();
    const store = await openRedisKv({ url: redis.url, timeoutMs, keyPrefix: 'x:' });
    try {
      assert.ok((await store.put('k', 'v')).ok);
      redis.pause();
      await expectUnavailable(store);
      redis.resume();
      assert.equal((await recovers(store, 5000))?.value, 'v');
    } finally {
      redis.resume();
      await store.close();
      await redis.stop();
    }
  });

  it('open fails fast naming [store] url, the cause, and no password, when Redis is unreachable', async () => {
    // A port that was just free: nothing listens there.
    const redis = await startRedis();
    await redis.stop();
    const url = `redis://admin:${encodeURIComponent(password)}@127.0.0.1:${redis.port}/0`;
    const started = performance.now();
    await assert.rejects(openRedisKv({ url, timeoutMs }), (error: unknown) => {
      assert.ok(error instanceof StoreOpenError, String(error));
      assert.match(
        error.message,
        new RegExp(`^\\[store\\] url "redis://admin:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}/0": `),
      );
      assert.match(error.message, /within 500 ms .*ECONNREFUSED/);
      assert.ok(!error.message.includes(encodeURIComponent(password)));
      assert.ok(!error.message.includes(password));
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 3 * timeoutMs, `open took ${elapsed.toFixed(0)} ms`);
  });

  it('open names the cause when Redis refuses the password, without showing it', async () => {
    const redis = await startRedis({ password });
    try {
      const wrong = 'not-the-password';
      const url = `redis://:${wrong}@127.0.0.1:${redis.port}`;
      await assert.rejects(openRedisKv({ url, timeoutMs }), (error: unknown) => {
        assert.ok(error instanceof StoreOpenError, String(error));
        assert.match(error.message, /^\[store\] url "redis:\/\/:\*\*\*@127\.0\.0\.1:\d+": /);
        assert.match(error.message, /WRONGPASS|invalid password/i);
        assert.ok(!error.message.includes(wrong));
        return true;
      });
    } finally {
      await redis.stop();
    }
  });

  it('masks only the password of a URL', () => {
    assert.equal(redactRedisUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
    assert.equal(redactRedisUrl('rediss://user:pw@cache:6380/2'), 'rediss://user:***@cache:6380/2');
    assert.equal(redactRedisUrl('redis://:p%40ss@h'), 'redis://:***@h');
    assert.equal(redactRedisUrl('not a url //user:pw@host'), 'not a url //***@host');
  });
});
