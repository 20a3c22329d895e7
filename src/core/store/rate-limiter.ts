/**
 * Per-key request budgets: batch sync allows each partner so many calls a minute
 * (`batch:<partner>`), pull sync so many pulls per partner and user (`pull:<partner>:<ec hash>`).
 * One interface, one implementation per platform (in process and Redis on Node, a Durable Object
 * on Cloudflare, the edge rate limiter on Fastly), one contract suite run against each.
 *
 * Semantics: fixed one-minute windows aligned to the clock (minute `floor(now / 60 000)`). Every
 * call counts, allowed or not; a call is over budget when it is past the `perMinute`-th of its
 * window, so the first `perMinute` calls of a window pass and the rest are refused until the
 * next minute begins. A burst may straddle a boundary (up to twice the budget across two
 * adjacent seconds); a budget of 0 refuses everything.
 *
 * Upstream (spec §0.2) counts with Fastly's 60-second rate counter: it reads the count and
 * increments only when under the budget (refused calls do not count), and its window slides
 * rather than restarting on the minute. Within one window the outcome is the same — the first
 * `perMinute` pass — and counting refused calls changes nothing while the window lasts.
 *
 * A limiter that cannot count (its store is away) rejects with `store_unavailable` rather than
 * guessing: the caller's request fails closed (503) unless it decides otherwise, as upstream's
 * batch sync does when its rate counter fails.
 */
import { TsError } from '../errors.ts';
import { KV_LIMITS } from './kv.ts';

export interface RateLimiter {
  /** True when this call is over `key`'s budget of `perMinute` calls in the current minute. */
  exceeded(key: string, perMinute: number): Promise<boolean>;
  /**
   * `process`: each process counts for itself (N processes allow N× the budget); `shared`:
   * every instance counts in one place.
   */
  readonly scope: 'process' | 'shared';
}

/** The window length: budgets are per minute. */
export const RATE_WINDOW_MS = 60_000;

/** The keys' limits are the store keys' (they share a Redis); control characters are refused. */
const MAX_KEY_BYTES = KV_LIMITS.keyBytes;
const MAX_PER_MINUTE = 1_000_000_000;

const encoder = new TextEncoder();

/**
 * Refuses a key or budget no caller should pass: both come from validated settings and IDs, so a
 * bad one is a bug (`internal`), named with what was wrong.
 */
export function checkRateLimit(key: string, perMinute: number): void {
  if (key.length === 0) throw new TsError('internal', 'rate limiter key is empty');
  const bytes = encoder.encode(key).byteLength;
  if (bytes > MAX_KEY_BYTES) {
    throw new TsError(
      'internal',
      `rate limiter key is ${bytes} bytes; the limit is ${MAX_KEY_BYTES}`,
    );
  }
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    throw new TsError('internal', 'rate limiter key has a control character');
  }
  if (!Number.isInteger(perMinute) || perMinute < 0 || perMinute > MAX_PER_MINUTE) {
    throw new TsError(
      'internal',
      `rate limiter perMinute must be a whole number from 0 to ${MAX_PER_MINUTE}, got ${perMinute}`,
    );
  }
}

/** The minute `now` falls in. */
export function rateWindow(now: number): number {
  return Math.floor(now / RATE_WINDOW_MS);
}
