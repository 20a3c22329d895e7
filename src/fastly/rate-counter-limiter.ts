/**
 * The {@link RateLimiter} of the Fastly adapter, over an Edge Rate Limiting rate counter
 * (`fastly:edge-rate-limiter`'s `RateCounter`): each call adds one to the key's count, and the key
 * is over its budget once the counter's last 60 seconds hold more than `perMinute`.
 *
 * Why the counter and not `EdgeRateLimiter.checkRate`: `checkRate` takes its limit in requests
 * per second and the runtime hands it to the host as a whole number, so budgets under 60 a
 * minute (pull sync's default is 10) would round to 0 and every call would be refused.
 *
 * Fastly's counters are shared by the POP's instances (so `scope: 'shared'`), not across POPs,
 * and are approximate: counts arrive in 10-second buckets and may lag the calls by a few seconds,
 * so a burst can overshoot the budget a little before it is refused.
 */
import { TsError } from '../core/errors.ts';
import type { RateLimiter } from '../core/store/rate-limiter.ts';

/** The part of Fastly's `RateCounter` this limiter uses; the real class satisfies it. */
export interface RateCounterApi {
  increment(entry: string, delta: number): void;
  lookupCount(entry: string, duration: 10 | 20 | 30 | 40 | 50 | 60): number;
}

/** The largest budget a caller may ask for: far above any configured limit, well inside u32. */
export const MAX_PER_MINUTE = 1_000_000;

export function createRateCounterLimiter(
  counter: RateCounterApi,
  counterName: string,
): RateLimiter {
  return {
    scope: 'shared',
    exceeded(key: string, perMinute: number): Promise<boolean> {
      if (!Number.isInteger(perMinute) || perMinute < 1 || perMinute > MAX_PER_MINUTE) {
        // Budgets come from validated settings: a bad one is the caller's bug, a 500.
        return Promise.reject(
          new TsError(
            'internal',
            `rate limit must be a whole number of calls per minute from 1 to ${MAX_PER_MINUTE}, got ${perMinute}`,
          ),
        );
      }
      if (key === '') {
        return Promise.reject(new TsError('internal', 'rate limit key is empty'));
      }
      try {
        counter.increment(key, 1);
        return Promise.resolve(counter.lookupCount(key, 60) > perMinute);
      } catch (error) {
        // Named by counter, never by key: keys carry partner names and identity hashes.
        return Promise.reject(
          new TsError(
            'store_unavailable',
            `Fastly rate counter "${counterName}" failed: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          ),
        );
      }
    },
  };
}
