/**
 * How the Durable Object store and rate limiter spread their keys over objects of the
 * `TrustedServerKv` class: a fixed number of objects, named `<prefix>/<shards>/<index>`, each key
 * on the object its hash picks.
 *
 * The shard count is part of every object's name, so a deployment that changes it starts on
 * fresh objects instead of finding a key in the wrong shard (which would let two live copies of a
 * key, or two counts of one budget, exist).
 */
import type { KvObjectNamespace, KvObjectStub } from './durable-object-kv-protocol.ts';

export const DEFAULT_SHARDS = 16;

export interface Shards {
  readonly count: number;
  /** The object at `index` (0 ≤ index < count). */
  at(index: number): KvObjectStub;
  /** The object `key` lives on. */
  of(key: string): KvObjectStub;
}

/** `what` names the user in the error a bad shard count raises (a deployment's mistake). */
export function shardsOf(
  namespace: KvObjectNamespace,
  prefix: string,
  shards: number,
  what: string,
): Shards {
  if (!Number.isInteger(shards) || shards < 1 || shards > 256) {
    throw new RangeError(`${what}: shards must be 1..256, got ${shards}`);
  }
  // Object IDs are plain values, reusable across requests; stubs are per call, since the runtime
  // ties a stub to the request that made it and the store is built once per isolate.
  const ids = Array.from({ length: shards }, (_, index) =>
    namespace.idFromName(`${prefix}/${shards}/${index}`),
  );
  const at = (index: number): KvObjectStub => namespace.get(ids[index]);
  return { count: shards, at, of: (key: string) => at(shardIndex(key, shards)) };
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
