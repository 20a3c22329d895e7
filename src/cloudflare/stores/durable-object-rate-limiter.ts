/**
 * The {@link RateLimiter} of a Worker bound to the `TrustedServerKv` Durable Object class
 * (`TS_KV`): every call is counted in one object, whichever isolate or location it comes from
 * (`scope: 'shared'`), exactly and at once (durable-object-rate-counts.ts).
 *
 * Keys are spread over their own 16 objects (`trusted-server-rate/16/<i>`) by the store's hash:
 * a busy partner's counting never queues behind the identity graph's reads on the store's
 * objects, and a limiter key never meets a store key. The minute comes from the Worker's clock
 * (`now`, as the store's expiry does) and travels with the call.
 *
 * Why not Cloudflare's Rate Limiting binding (`[[ratelimits]]`): its limit and period are fixed
 * per binding in wrangler.toml, while budgets here come per call from settings (each partner's
 * `batch_rate_limit`, `pull_sync_rate_limit`); it counts per Cloudflare location, not across
 * them; its counts are approximate and eventually consistent by design; and local workerd has no
 * such binding to test against.
 *
 * The cost: every call is one RPC and one SQLite write on the object (billed as Durable Object
 * requests and rows written). A call the object cannot answer (unreachable, overloaded, reset)
 * rejects with `store_unavailable`: the caller fails closed (rate-limiter.ts).
 */
import { TsError } from '../../core/errors.ts';
import { checkRateLimit, rateWindow, type RateLimiter } from '../../core/store/rate-limiter.ts';
import type { KvObjectNamespace } from './durable-object-kv-protocol.ts';
import { DEFAULT_SHARDS, shardsOf } from './durable-object-shards.ts';
import { guardedCall } from './store-failure.ts';

export const DEFAULT_RATE_OBJECT_PREFIX = 'trusted-server-rate';

export interface DurableObjectRateLimiterOptions {
  /** Objects the keys are spread over. */
  shards?: number;
  /** Names the objects (`<prefix>/<shards>/<index>`); tests use a fresh one per limiter. */
  objectPrefix?: string;
  now?: () => number;
}

export function createDurableObjectRateLimiter(
  namespace: KvObjectNamespace,
  options: DurableObjectRateLimiterOptions = {},
): RateLimiter {
  const shards = shardsOf(
    namespace,
    options.objectPrefix ?? DEFAULT_RATE_OBJECT_PREFIX,
    options.shards ?? DEFAULT_SHARDS,
    'durable object rate limiter',
  );
  const now = options.now ?? Date.now;

  return {
    scope: 'shared',
    exceeded: (key: string, perMinute: number): Promise<boolean> =>
      guardedCall('rate limiter durable object', async () => {
        checkRateLimit(key, perMinute);
        const count: unknown = await shards.of(key).increment(key, rateWindow(now()));
        // Anything but a count (an object running an older release) must not read as "allowed".
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
          throw new TsError(
            'store_unavailable',
            'rate limiter durable object store: the object did not answer with a count',
          );
        }
        return count > perMinute;
      }),
  };
}
