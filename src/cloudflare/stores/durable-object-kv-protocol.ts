/**
 * What the Durable Object store's clients and their object say to each other over RPC. Shared by
 * durable-object-kv.ts (the object, runs only in workerd), durable-object-kv-client.ts (the
 * `KvStore` the Worker uses) and durable-object-rate-limiter.ts (its `RateLimiter`), so each side
 * can be built and checked without the other.
 *
 * Every call carries the caller's clock (`at`, or the rate limiter's `minute`): one clock per
 * client decides expiry and minutes (tests drive it by hand), and Cloudflare's machines keep
 * their clocks synchronised far closer than the one-minute minimum TTL.
 */
import type { KvEntry, KvPutMode, KvPutResult } from '../../core/store/kv.ts';

export interface KvObjectWrite {
  key: string;
  value: string;
  metadata?: string;
  /** Epoch milliseconds; absent = never. */
  expiresAt?: number;
  mode: KvPutMode;
  at: number;
}

/** The object's RPC methods. */
export interface KvObjectApi {
  get(key: string, at: number): KvEntry | null;
  put(write: KvObjectWrite): KvPutResult;
  delete(key: string, at: number): boolean;
  countPrefix(prefix: string, limit: number, at: number): number;
  /**
   * The rate limiter's counter (durable-object-rate-limiter.ts): counts one call of `key` in
   * `minute` (the caller's `rateWindow`) and answers the key's count so far in the minute it was
   * counted in, which is never earlier than the latest minute this object has counted.
   */
  increment(key: string, minute: number): number;
}

/** What an RPC stub turns each method into: the same call, answered later. */
export type KvObjectStub = {
  [Method in keyof KvObjectApi]: (
    ...args: Parameters<KvObjectApi[Method]>
  ) => Promise<ReturnType<KvObjectApi[Method]>>;
};

/** The Worker's binding of the object's class (`[[durable_objects.bindings]]` in wrangler.toml). */
export interface KvObjectNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): KvObjectStub;
}
