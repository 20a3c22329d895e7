/**
 * The Node side of store-worker.ts for the rate limiter: a RateLimiter whose every call runs
 * inside workerd, through the Worker's Durable Object rate limiter, each call on a fresh client
 * (as calls from different isolates would be). Its scope is the one the limiter reports there.
 */
import type { RateLimiter } from '../../src/core/store/rate-limiter.ts';
import { callWorker } from './remote-kv.ts';

export interface RemoteRateLimiterOptions {
  /**
   * `inspect`: count on the single object whose rows `rateRows` reads; `without-counter`: on
   * objects that lack the counter. Default: the production class, four shards.
   */
  target?: 'inspect' | 'without-counter';
}

export async function remoteRateLimiter(
  url: string,
  session: string,
  now: () => number,
  options: RemoteRateLimiterOptions = {},
): Promise<RateLimiter> {
  const scope = (await callWorker(url, {
    store: 'rate-limiter',
    session,
    op: 'scope',
    args: [],
  })) as RateLimiter['scope'];
  let seq = 0;
  return {
    scope,
    exceeded: (key: string, perMinute: number) =>
      callWorker(url, {
        store: 'rate-limiter',
        session,
        seq: seq++,
        now: now(),
        op: 'exceeded',
        args: options.target === undefined ? [key, perMinute] : [key, perMinute, options.target],
      }) as Promise<boolean>,
  };
}

/** Count rows the inspectable object of `session` holds. */
export async function rateRows(url: string, session: string): Promise<number> {
  return (await callWorker(url, { store: 'rate-limiter', session, op: 'rateRows' })) as number;
}
