/**
 * The {@link RateLimiter} of the Fastly adapter, over an Edge Rate Limiting rate counter
 * (`fastly:edge-rate-limiter`'s `RateCounter`): a call is refused while the counter's last 60
 * seconds hold `perMinute` calls, and only allowed calls are counted (upstream's rule). A budget
 * of 0 refuses everything, as on every platform.
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
import { settle } from '../core/store/kv.ts';
import { checkRateLimit, type RateLimiter } from '../core/store/rate-limiter.ts';

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
    exceeded: (key: string, perMinute: number) =>
      settle(() => {
        // The same checks as every limiter: a bad key or budget is the caller's bug, a 500.
        checkRateLimit(key, perMinute);
        if (perMinute > MAX_PER_MINUTE) {
          throw new TsError(
            'internal',
            `rate limit must be a whole number of calls per minute up to ${MAX_PER_MINUTE} on Fastly, got ${perMinute}`,
          );
        }
        try {
          // As upstream: a refused call is not counted, so a partner that calls a little too
          // often gets its budget each minute instead of being refused for as long as it calls
          // (the counter's window slides: counting refusals would keep it full).
          if (counter.lookupCount(key, 60) >= perMinute) return true;
          counter.increment(key, 1);
          return false;
        } catch (error) {
          // Named by counter, never by key: keys carry partner names and identity hashes.
          throw new TsError(
            'store_unavailable',
            `Fastly rate counter "${counterName}" failed: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
        }
      }),
  };
}
