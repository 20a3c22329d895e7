/**
 * What every {@link RateLimiter} must do, as one suite each implementation runs (in process and
 * Redis here; the edge limiters in their own runtimes): the first `perMinute` calls of a minute
 * pass, the rest are refused until the next minute, keys never share a budget, and a bad key or
 * budget is a typed error rather than a silent pass.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsError } from '../../src/core/errors.ts';
import { RATE_WINDOW_MS, type RateLimiter } from '../../src/core/store/rate-limiter.ts';
import type { TestClock } from './kv-contract.ts';

export interface RateLimiterHarness {
  limiter: RateLimiter;
  clock: TestClock;
  cleanup?: () => Promise<void>;
}

/** `open` gives a fresh limiter, with no counts, on every call. */
export function rateLimiterContract(
  name: string,
  scope: RateLimiter['scope'],
  open: () => Promise<RateLimiterHarness>,
): void {
  const test = (title: string, body: (harness: RateLimiterHarness) => Promise<void>): void => {
    void it(title, async () => {
      const harness = await open();
      try {
        await body(harness);
      } finally {
        await harness.cleanup?.();
      }
    });
  };

  /** The outcomes of `calls` calls in a row: true where the call was refused. */
  const run = async (limiter: RateLimiter, key: string, perMinute: number, calls: number) => {
    const outcomes: boolean[] = [];
    for (let i = 0; i < calls; i++) outcomes.push(await limiter.exceeded(key, perMinute));
    return outcomes;
  };

  describe(`RateLimiter contract: ${name}`, () => {
    test(`reports its scope (${scope})`, async ({ limiter }) => {
      assert.equal(limiter.scope, scope);
      await Promise.resolve();
    });

    test('the first perMinute calls of a minute pass, the rest are refused', async ({
      limiter,
    }) => {
      assert.deepEqual(await run(limiter, 'batch:ssp', 3, 6), [
        false,
        false,
        false,
        true,
        true,
        true,
      ]);
    });

    test('each key has its own budget', async ({ limiter }) => {
      assert.deepEqual(await run(limiter, 'batch:a', 2, 3), [false, false, true]);
      assert.deepEqual(await run(limiter, 'batch:b', 2, 2), [false, false]);
      assert.deepEqual(await run(limiter, 'pull:a:0f3c', 1, 2), [false, true]);
    });

    test('the budget comes back when the next minute begins, not before', async ({
      limiter,
      clock,
    }) => {
      // Start at the beginning of a minute, whatever the clock's start.
      clock.advance(RATE_WINDOW_MS - (clock.now() % RATE_WINDOW_MS));
      assert.deepEqual(await run(limiter, 'k', 2, 3), [false, false, true]);
      clock.advance(RATE_WINDOW_MS - 1);
      assert.equal(await limiter.exceeded('k', 2), true, 'still the same minute');
      clock.advance(1);
      assert.deepEqual(await run(limiter, 'k', 2, 3), [false, false, true]);
      // A minute with no calls at all leaves nothing behind.
      clock.advance(5 * RATE_WINDOW_MS);
      assert.equal(await limiter.exceeded('k', 2), false);
    });

    test('a budget of 0 refuses every call', async ({ limiter }) => {
      assert.deepEqual(await run(limiter, 'off', 0, 2), [true, true]);
    });

    test('concurrent calls are counted exactly', async ({ limiter }) => {
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, () => limiter.exceeded('burst', 15)),
      );
      assert.equal(outcomes.filter((refused) => !refused).length, 15);
    });

    test('a bad key or budget is a typed error, never a pass', async ({ limiter }) => {
      const expectInternal = async (work: () => Promise<unknown>, hint: RegExp) => {
        await assert.rejects(work, (error: unknown) => {
          assert.ok(error instanceof TsError, String(error));
          assert.equal(error.code, 'internal');
          assert.match(error.message, hint);
          return true;
        });
      };
      await expectInternal(() => limiter.exceeded('', 10), /key is empty/);
      await expectInternal(() => limiter.exceeded('k'.repeat(513), 10), /513 bytes/);
      await expectInternal(() => limiter.exceeded('bad\nkey', 10), /control character/);
      await expectInternal(() => limiter.exceeded('k', -1), /perMinute .* got -1/);
      await expectInternal(() => limiter.exceeded('k', 1.5), /perMinute .* got 1.5/);
      await expectInternal(() => limiter.exceeded('k', Number.NaN), /perMinute/);
      // None of those counted.
      assert.equal(await limiter.exceeded('k', 1), false);
    });
  });
}
