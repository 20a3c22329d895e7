/**
 * The in-process rate limiter (src/core/store/memory-rate-limiter.ts): the contract, and its
 * memory bound — one minute's keys at most, a bounded number of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryRateLimiter } from '../src/core/store/memory-rate-limiter.ts';
import { RATE_WINDOW_MS } from '../src/core/store/rate-limiter.ts';
import { TestClock } from './contracts/kv-contract.ts';
import { rateLimiterContract } from './contracts/rate-limiter-contract.ts';

rateLimiterContract('memory', 'process', () => {
  const clock = new TestClock();
  return Promise.resolve({ limiter: createMemoryRateLimiter(clock.now), clock });
});

describe('in-process rate limiter', () => {
  it('refuses keys beyond its table for the rest of the minute, then forgets the old minute', async () => {
    const clock = new TestClock();
    const limiter = createMemoryRateLimiter(clock.now, { maxKeys: 3 });
    for (const key of ['pull:a', 'pull:b', 'pull:c']) {
      assert.equal(await limiter.exceeded(key, 5), false);
    }
    // Full: a new key fails closed, the keys already counted keep their budgets.
    assert.equal(await limiter.exceeded('batch:ssp', 5), true);
    assert.equal(await limiter.exceeded('pull:a', 5), false);
    clock.advance(RATE_WINDOW_MS);
    // The old minute's keys are gone: room for new ones again.
    for (const key of ['batch:ssp', 'pull:d', 'pull:e']) {
      assert.equal(await limiter.exceeded(key, 5), false);
    }
    assert.equal(await limiter.exceeded('pull:f', 5), true);
  });

  it('a clock stepped back does not start a fresh budget', async () => {
    const clock = new TestClock();
    const limiter = createMemoryRateLimiter(clock.now);
    assert.deepEqual(
      [await limiter.exceeded('k', 1), await limiter.exceeded('k', 1)],
      [false, true],
    );
    clock.advance(-2 * RATE_WINDOW_MS);
    assert.equal(await limiter.exceeded('k', 1), true);
  });
});
