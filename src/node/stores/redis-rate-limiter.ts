/**
 * The {@link RateLimiter} of instances that share a Redis store (`[store] url`): every instance
 * counts in the same place (`scope: 'shared'`), so a partner's budget holds however many
 * instances its calls are spread over.
 *
 * Each key's count for a minute is one Redis integer, `<keyPrefix>rl:<minute>:<key>`, raised
 * with INCR and given a PEXPIRE of two minutes in the same MULTI (one round trip), so Redis
 * collects it after its minute whatever the clocks say. The minute comes from the instance's
 * clock (`now`): instances whose clocks differ by a few seconds switch windows a few seconds
 * apart, which is within what a per-minute budget means.
 *
 * When Redis is away, `exceeded` rejects with `store_unavailable` within `timeoutMs` (see
 * rate-limiter.ts: fail closed) and works again when Redis returns.
 */
import { TsError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import {
  checkRateLimit,
  RATE_WINDOW_MS,
  rateWindow,
  type RateLimiter,
} from '../../core/store/rate-limiter.ts';
import { connectRedis } from './redis-connection.ts';

export interface RedisRateLimiterOptions {
  /** `[store] url`. */
  url: string;
  /** `[store] timeout_ms`: connecting at start-up, and every call. */
  timeoutMs: number;
  now?: () => number;
  /** Namespace of every key (default `ts:`), the same as the store's. */
  keyPrefix?: string;
  log?: Logger;
}

export interface RedisRateLimiter extends RateLimiter {
  /** Closes its connection. */
  close(): Promise<void>;
}

export async function openRedisRateLimiter(
  options: RedisRateLimiterOptions,
): Promise<RedisRateLimiter> {
  const connection = await connectRedis(options);
  const now = options.now ?? Date.now;
  const namespace = `${options.keyPrefix ?? 'ts:'}rl:`;

  return {
    scope: 'shared',
    async exceeded(key: string, perMinute: number): Promise<boolean> {
      checkRateLimit(key, perMinute);
      const counter = `${namespace}${rateWindow(now())}:${key}`;
      const [count] = await connection.run('rateLimiter', (redis) =>
        redis
          .multi()
          .incr(counter)
          .pExpire(counter, 2 * RATE_WINDOW_MS)
          .exec(),
      );
      // Anything but a count (a proxy in the way, a changed command) must not read as "allowed".
      if (typeof count !== 'number') {
        throw new TsError('store_unavailable', 'redis rate limiter: INCR did not return a count');
      }
      return count > perMinute;
    },
    close: () => connection.close(),
  };
}
