/**
 * The {@link KvStore} of a Worker bound to the `TrustedServerKv` Durable Object class: strongly
 * consistent with atomic compare-and-swap (see durable-object-kv.ts for why).
 *
 * Sharding: keys are spread over a fixed number of objects by a hash of the whole key. One object
 * would make everything simple but caps the store at one object's throughput (roughly a thousand
 * small calls a second), and the identity graph is read on page views. Hashing the whole key
 * spreads any key format evenly without knowing it; the price is `countPrefix`, which asks every
 * shard in parallel (each counts up to the limit, the sum is capped) — it serves the occasional
 * cluster check, not the per-request path. Placement and naming: durable-object-shards.ts.
 *
 * Every call is checked against the shared limits before anything is sent, and the RPC is issued
 * synchronously within the call, so calls made in order reach an object in order.
 */
import {
  checkCountLimit,
  checkKey,
  checkPut,
  type KvEntry,
  type KvPutOptions,
  type KvPutResult,
  type KvStore,
} from '../../core/store/kv.ts';
import type { KvObjectNamespace } from './durable-object-kv-protocol.ts';
import { DEFAULT_SHARDS, shardsOf } from './durable-object-shards.ts';
import { guardedCall } from './store-failure.ts';

export const DEFAULT_OBJECT_PREFIX = 'trusted-server-kv';

export interface DurableObjectKvOptions {
  /** Objects the keys are spread over; fixed for the life of a deployment's data. */
  shards?: number;
  /** Names the objects (`<prefix>/<shards>/<index>`); tests use a fresh one per store. */
  objectPrefix?: string;
  now?: () => number;
}

export function createDurableObjectKv(
  namespace: KvObjectNamespace,
  options: DurableObjectKvOptions = {},
): KvStore {
  const shards = shardsOf(
    namespace,
    options.objectPrefix ?? DEFAULT_OBJECT_PREFIX,
    options.shards ?? DEFAULT_SHARDS,
    'durable object store',
  );
  const now = options.now ?? Date.now;
  const call = <T>(work: () => Promise<T>) => guardedCall('durable object', work);

  return {
    kind: 'durable-object',
    capabilities: { cas: true, ttl: true, consistent: true },

    get: (key: string): Promise<KvEntry | null> =>
      call(() => {
        checkKey(key);
        return shards.of(key).get(key, now());
      }),

    put: (key: string, value: string, putOptions?: KvPutOptions): Promise<KvPutResult> =>
      call(() => {
        checkPut(key, value, putOptions);
        const at = now();
        const ttl = putOptions?.ttlSeconds;
        return shards.of(key).put({
          key,
          value,
          ...(putOptions?.metadata !== undefined ? { metadata: putOptions.metadata } : {}),
          ...(ttl !== undefined ? { expiresAt: at + ttl * 1000 } : {}),
          mode: putOptions?.mode ?? { kind: 'overwrite' },
          at,
        });
      }),

    delete: (key: string): Promise<boolean> =>
      call(() => {
        checkKey(key);
        return shards.of(key).delete(key, now());
      }),

    countPrefix: (keyPrefix: string, limit: number): Promise<number> =>
      call(async () => {
        checkCountLimit(limit);
        const at = now();
        const counts = await Promise.all(
          Array.from({ length: shards.count }, (_, index) =>
            shards.at(index).countPrefix(keyPrefix, limit, at),
          ),
        );
        return Math.min(
          limit,
          counts.reduce((sum, count) => sum + count, 0),
        );
      }),

    // Nothing held open: stubs live for one call.
    close: () => Promise.resolve(),
  };
}
