/**
 * What the Durable Object store's client and its object say to each other over RPC. Shared by
 * durable-object-kv.ts (the object, runs only in workerd) and durable-object-kv-client.ts (the
 * `KvStore` the Worker uses), so each side can be built and checked without the other.
 *
 * Every call carries `at`, the caller's clock: one clock per store client decides expiry (tests
 * drive it by hand), and Cloudflare's machines keep their clocks synchronised far closer than
 * the one-minute minimum TTL.
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
