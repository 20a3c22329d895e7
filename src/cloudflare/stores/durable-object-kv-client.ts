/**
 * The {@link KvStore} of a Worker bound to the `TrustedServerKv` Durable Object class: strongly
 * consistent with atomic compare-and-swap (see durable-object-kv.ts for why).
 *
 * Sharding: keys are spread over a fixed number of objects by a hash of the whole key. One object
 * would make everything simple but caps the store at one object's throughput (roughly a thousand
 * small calls a second), and the identity graph is read on page views. Hashing the whole key
 * spreads any key format evenly without knowing it; the price is `countPrefix`, which asks every
 * shard in parallel (each counts up to the limit, the sum is capped) — it serves the occasional
 * cluster check, not the per-request path. The shard count is part of every object's name, so a
 * deployment that changes it starts on fresh objects instead of finding keys in the wrong shard
 * (which would let two live copies of a key exist).
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
import type { KvObjectNamespace, KvObjectStub } from './durable-object-kv-protocol.ts';
import { guardedCall } from './store-failure.ts';

export const DEFAULT_SHARDS = 16;
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
  const shards = options.shards ?? DEFAULT_SHARDS;
  if (!Number.isInteger(shards) || shards < 1 || shards > 256) {
    throw new RangeError(`durable object store: shards must be 1..256, got ${shards}`);
  }
  const prefix = options.objectPrefix ?? DEFAULT_OBJECT_PREFIX;
  const now = options.now ?? Date.now;
  // Object IDs are plain values, reusable across requests; stubs are per call, since the runtime
  // ties a stub to the request that made it and the store is built once per isolate.
  const ids = Array.from({ length: shards }, (_, index) =>
    namespace.idFromName(`${prefix}/${shards}/${index}`),
  );
  const shard = (index: number): KvObjectStub => namespace.get(ids[index]);
  const shardOf = (key: string): KvObjectStub => shard(shardIndex(key, shards));
  const call = <T>(work: () => Promise<T>) => guardedCall('durable object', work);

  return {
    kind: 'durable-object',
    capabilities: { cas: true, ttl: true, consistent: true },

    get: (key: string): Promise<KvEntry | null> =>
      call(() => {
        checkKey(key);
        return shardOf(key).get(key, now());
      }),

    put: (key: string, value: string, putOptions?: KvPutOptions): Promise<KvPutResult> =>
      call(() => {
        checkPut(key, value, putOptions);
        const at = now();
        const ttl = putOptions?.ttlSeconds;
        return shardOf(key).put({
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
        return shardOf(key).delete(key, now());
      }),

    countPrefix: (keyPrefix: string, limit: number): Promise<number> =>
      call(async () => {
        checkCountLimit(limit);
        const at = now();
        const counts = await Promise.all(
          ids.map((_, index) => shard(index).countPrefix(keyPrefix, limit, at)),
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

/**
 * FNV-1a over the key's UTF-16 code units: stable across runtimes and releases (the placement of
 * stored data depends on it), fast, and even enough for spreading keys. Not a security boundary.
 */
export function shardIndex(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}
