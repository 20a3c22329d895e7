/**
 * The Redis rate limiter (src/node/stores/redis-rate-limiter.ts) against a real redis-server:
 * the contract, one budget shared by every instance, and failing closed — a rejection, never a
 * pass — while Redis is away. Skipped, with the reason printed, where redis-server is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { TsError } from '../src/core/errors.ts';
import { openRedisRateLimiter } from '../src/node/stores/redis-rate-limiter.ts';
import { TestClock } from './contracts/kv-contract.ts';
import { rateLimiterContract } from './contracts/rate-limiter-contract.ts';
import { redisSkip, startRedis, type TestRedis } from './helpers/redis.ts';

if (redisSkip) console.log(`# skipping Redis rate limiter tests: ${redisSkip}`);

let prefixes = 0;
const freshPrefix = () => `rl-test${++prefixes}:`;

describe('Redis rate limiter', { skip: redisSkip, timeout: 30_000 }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  rateLimiterContract('redis', 'shared', async () => {
    const clock = new TestClock();
    const limiter = await openRedisRateLimiter({
      url: redis.url,
      timeoutMs: 1000,
      now: clock.now,
      keyPrefix: freshPrefix(),
    });
    return { limiter, clock, cleanup: () => limiter.close() };
  });

  it('instances share one budget, and Redis collects the counts after their minute', async () => {
    const keyPrefix = freshPrefix();
    const clock = new TestClock();
    const open = () =>
      openRedisRateLimiter({ url: redis.url, timeoutMs: 1000, now: clock.now, keyPrefix });
    const [first, second] = await Promise.all([open(), open()]);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const outcomes = [];
      for (let i = 0; i < 3; i++) {
        outcomes.push(await first.exceeded('batch:ssp', 4), await second.exceeded('batch:ssp', 4));
      }
      assert.deepEqual(outcomes, [false, false, false, false, true, true]);
      const keys = await raw.keys(`${keyPrefix}*`);
      assert.equal(keys.length, 1);
      const ttl = await raw.pTTL(keys[0]!);
      assert.ok(ttl > 60_000 && ttl <= 120_000, `PTTL ${ttl}`);
    } finally {
      raw.destroy();
      await first.close();
      await second.close();
    }
  });

  it('fails closed: while Redis is away every call rejects as store_unavailable, fast', async () => {
    const own = await startRedis();
    const timeoutMs = 500;
    const limiter = await openRedisRateLimiter({ url: own.url, timeoutMs });
    try {
      assert.equal(await limiter.exceeded('batch:ssp', 10), false);
      for (const outage of ['stopped', 'hung'] as const) {
        if (outage === 'stopped') await own.stop();
        else own.pause();
        const started = performance.now();
        await assert.rejects(limiter.exceeded('batch:ssp', 10), (error: unknown) => {
          assert.ok(error instanceof TsError, String(error));
          assert.equal(error.code, 'store_unavailable');
          return true;
        });
        const elapsed = performance.now() - started;
        assert.ok(elapsed < 3 * timeoutMs, `${outage}: ${elapsed.toFixed(0)} ms`);
        if (outage === 'stopped') {
          await own.start();
          // Back without reopening: counting starts again on the fresh server.
          const deadline = performance.now() + 5000;
          for (;;) {
            try {
              assert.equal(await limiter.exceeded('batch:ssp', 10), false);
              break;
            } catch (error) {
              if (performance.now() > deadline) throw error;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          }
        }
      }
    } finally {
      own.resume();
      await limiter.close();
      await own.stop();
    }
  });
});
