/**
 * A {@link RateLimiter} in this process's memory: the limiter of a single Node process, of the
 * in-process tests, and of `serve --workers N` where each worker counts for itself (`scope:
 * 'process'`, so N workers allow N× the budget).
 *
 * Memory is bounded: only the current minute's counts are kept (a new minute drops the old ones
 * at once), and at most `maxKeys` keys per minute. A key first seen when the table is full is
 * refused for the rest of the minute — failing closed, like a limiter that cannot count — rather
 * than evicting a counted key, which would hand a flood of fresh keys a way to reset budgets.
 */
import { settle } from './kv.ts';
import { checkRateLimit, rateWindow, type RateLimiter } from './rate-limiter.ts';

export interface MemoryRateLimiterOptions {
  /** Distinct keys counted per minute (default 100 000, a few MB). */
  maxKeys?: number;
}

export function createMemoryRateLimiter(
  now: () => number = Date.now,
  options: MemoryRateLimiterOptions = {},
): RateLimiter {
  const maxKeys = options.maxKeys ?? 100_000;
  let window = Number.NEGATIVE_INFINITY;
  let counts = new Map<string, number>();

  return {
    scope: 'process',
    exceeded: (key: string, perMinute: number) =>
      settle(() => {
        checkRateLimit(key, perMinute);
        const current = rateWindow(now());
        // Only a later minute starts afresh: a clock stepped back keeps counting in the window
        // it had reached, so a clock adjustment never hands out a second budget.
        if (current > window) {
          window = current;
          counts = new Map();
        }
        const previous = counts.get(key);
        if (previous === undefined && counts.size >= maxKeys) return true;
        const count = (previous ?? 0) + 1;
        counts.set(key, count);
        return count > perMinute;
      }),
  };
}
