/**
 * Counts calls per key and says when a key has gone over its budget: batch sync per partner, pull
 * sync per partner and Edge Cookie. One interface, one implementation per platform.
 */
export interface RateLimiter {
  /**
   * Counts one call for `key` and resolves true when the key has now made more than `perMinute`
   * calls in the last minute. Rejects with a `TsError` when the limiter cannot be asked; the
   * caller decides whether to fail open or closed.
   */
  exceeded(key: string, perMinute: number): Promise<boolean>;
  /**
   * Who shares the counts: `process` — this process alone (several processes each allow the
   * budget); `shared` — every instance that serves the site (or, on an edge, a whole POP).
   */
  readonly scope: 'process' | 'shared';
}
