/**
 * The Cloudflare rate limiter in a real workerd: the RateLimiter contract against the Durable
 * Object limiter (SQLite-backed `TrustedServerKv` objects, four shards, a fresh client for every
 * call as separate isolates would have), what it keeps in storage, the clock rule, failing closed, and which
 * limiter the production selection gives each set of bindings. Driven from Node through
 * test/workerd-kv/store-worker.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { TsError } from '../src/core/errors.ts';
import { RATE_WINDOW_MS } from '../src/core/store/rate-limiter.ts';
import { TestClock } from './contracts/kv-contract.ts';
import { rateLimiterContract } from './contracts/rate-limiter-contract.ts';
import { callWorker } from './workerd-kv/remote-kv.ts';
import { rateRows, remoteRateLimiter } from './workerd-kv/remote-rate-limiter.ts';
import {
  startStoreWorker,
  workerdUnavailable,
  type StoreWorker,
} from './workerd-kv/start-store-worker.ts';

const unavailable = workerdUnavailable();
if (unavailable !== undefined) {
  console.log(`# skipping the Cloudflare rate limiter tests: ${unavailable}`);
} else {
  let running: Promise<StoreWorker> | undefined;
  const worker = () => (running ??= startStoreWorker());
  after(async () => {
    if (running !== undefined) await (await running).close();
  });

  rateLimiterContract('durable object (workerd)', 'shared', async () => {
    const { url } = await worker();
    const clock = new TestClock();
    return { limiter: await remoteRateLimiter(url, randomUUID(), clock.now), clock };
  });

  describe('Durable Object rate limiter in workerd', () => {
    it('keeps only the current minute: earlier minutes are swept by later calls', async () => {
      const { url } = await worker();
      const session = randomUUID();
      const clock = new TestClock();
      const limiter = await remoteRateLimiter(url, session, clock.now, { target: 'inspect' });
      for (const key of ['batch:a', 'batch:b', 'pull:a:1', 'pull:a:2']) {
        assert.equal(await limiter.exceeded(key, 5), false);
      }
      assert.equal(await limiter.exceeded('batch:a', 5), false);
      assert.equal(await rateRows(url, session), 4, 'one row per key and minute');
      clock.advance(RATE_WINDOW_MS);
      assert.equal(await limiter.exceeded('batch:a', 1), false, 'a new minute, a new budget');
      assert.equal(await rateRows(url, session), 1, "last minute's rows are gone");
    });

    it('a caller whose clock lags does not find the earlier minute again', async () => {
      const { url } = await worker();
      const clock = new TestClock();
      const limiter = await remoteRateLimiter(url, randomUUID(), clock.now);
      clock.advance(RATE_WINDOW_MS - (clock.now() % RATE_WINDOW_MS));
      assert.deepEqual(
        [await limiter.exceeded('k', 1), await limiter.exceeded('k', 1)],
        [false, true],
      );
      // Another isolate's clock a few seconds behind, across the minute boundary.
      clock.advance(-5_000);
      assert.equal(await limiter.exceeded('k', 1), true);
      clock.advance(5_000 + RATE_WINDOW_MS);
      assert.equal(await limiter.exceeded('k', 1), false);
    });

    it('fails closed: an object that cannot count rejects as store_unavailable, naming no key', async () => {
      const { url } = await worker();
      const clock = new TestClock();
      const limiter = await remoteRateLimiter(url, randomUUID(), clock.now, {
        target: 'without-counter',
      });
      await assert.rejects(limiter.exceeded('pull:ssp:0f3c9a', 10), (error: unknown) => {
        assert.ok(error instanceof TsError, String(error));
        assert.equal(error.code, 'store_unavailable');
        assert.match(error.message, /^rate limiter durable object store: /);
        assert.doesNotMatch(error.message, /0f3c9a/);
        return true;
      });
    });

    it('the bindings choose the limiter: shared with TS_KV, per isolate with Workers KV only', async () => {
      const { url } = await worker();
      const selected = (bindings: string) =>
        callWorker(url, { store: 'rate-limiter', op: 'selectedLimiter', bindings });
      assert.deepEqual(await selected('durable-object'), { scope: 'shared' });
      assert.deepEqual(await selected('workers-kv'), { scope: 'process' });
      assert.equal(await selected('none'), null);
    });
  });
}
