/**
 * The key-value store behind the identity graph and, next, the signing keystore: one interface,
 * one implementation per platform (memory, SQLite and Redis on Node; a Durable Object or Workers KV
 * on Cloudflare; KV Store on Fastly), one contract suite run against each (test/contracts/).
 *
 * Values are text (the graph stores JSON). Every entry carries a generation that changes on every
 * write, so a caller can read, decide and write back only if nobody wrote in between: the identity
 * graph merges partner IDs that way instead of losing one of two concurrent syncs.
 */
import { TsError } from '../errors.ts';

/** What an implementation guarantees; callers and the admin endpoints report it. */
export interface KvCapabilities {
  /** `put` with `ifGeneration` and `add` are atomic (compare-and-swap). */
  cas: boolean;
  /** Entries expire after `ttlSeconds`. */
  ttl: boolean;
  /** A read sees every write that finished before it, from any instance (no eventual consistency). */
  consistent: boolean;
}

export interface KvEntry {
  value: string;
  /** Small text stored beside the value (at most {@link KV_LIMITS.metadataBytes}). */
  metadata?: string;
  /**
   * Opaque, changes on every write, never reused for a key (a key deleted and written again gets a
   * new one), so a stale reader's `ifGeneration` write always fails.
   */
  generation: string;
}

export type KvPutMode =
  /** Write whatever is there. */
  | { kind: 'overwrite' }
  /** Write only if the key is absent (or expired). */
  | { kind: 'add' }
  /** Write only if the key's current generation is this one. */
  | { kind: 'if-generation'; generation: string };

export interface KvPutOptions {
  mode?: KvPutMode;
  /** Expire the entry this many seconds after the write; absent = never. */
  ttlSeconds?: number;
  metadata?: string;
}

export type KvPutResult =
  | { ok: true; generation: string }
  /** `add` found the key present, or `if-generation` found another generation (or none). */
  | { ok: false; reason: 'exists' | 'generation-mismatch' };

export interface KvStore {
  readonly capabilities: KvCapabilities;
  /** A short name for logs and the admin endpoints: `memory`, `sqlite`, `redis`, … */
  readonly kind: string;
  get(key: string): Promise<KvEntry | null>;
  put(key: string, value: string, options?: KvPutOptions): Promise<KvPutResult>;
  /** Removes the key; true if it was there. */
  delete(key: string): Promise<boolean>;
  /**
   * How many live keys start with `prefix`, counting no further than `limit` (the answer is at
   * most `limit`): enough for "does this user have more than N partner IDs". SQLite and the
   * memory store read an index range; Redis walks its keyspace with SCAN, so its cost grows with
   * the database (docs/stores.md).
   */
  countPrefix(prefix: string, limit: number): Promise<number>;
  /** Releases connections and file handles. */
  close(): Promise<void>;
}

/**
 * The limits every implementation enforces, the strictest of the platforms' own so data written on
 * one platform fits every other: keys of Cloudflare KV (512 bytes), values of a Durable Object's
 * key-value storage (128 KiB), metadata of Fastly's KV Store (1000 bytes); a TTL of Cloudflare
 * KV's minimum (60 s) up to one year.
 */
export const KV_LIMITS = {
  keyBytes: 512,
  valueBytes: 128 * 1024,
  metadataBytes: 1000,
  minTtlSeconds: 60,
  maxTtlSeconds: 365 * 24 * 3600,
} as const;

const encoder = new TextEncoder();

/**
 * Rejects a key no platform can store: empty, too long, with control characters (they break
 * Redis's and the admin endpoints' listings), or `.`/`..` (Fastly refuses them as path segments).
 */
export function checkKey(key: string): void {
  if (key.length === 0) throw new TsError('store_invalid_key', 'store key is empty');
  const bytes = encoder.encode(key).byteLength;
  if (bytes > KV_LIMITS.keyBytes) {
    throw new TsError(
      'store_invalid_key',
      `store key is ${bytes} bytes; the limit is ${KV_LIMITS.keyBytes}`,
    );
  }
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  const control = /[\u0000-\u001f\u007f]/.exec(key);
  if (control !== null) {
    throw new TsError(
      'store_invalid_key',
      `store key has a control character at offset ${control.index}`,
    );
  }
  if (key === '.' || key === '..') {
    throw new TsError('store_invalid_key', `store key "${key}" is reserved`);
  }
}

/** Checks a write against {@link KV_LIMITS} before anything is sent to the store. */
export function checkPut(key: string, value: string, options: KvPutOptions | undefined): void {
  checkKey(key);
  const valueBytes = encoder.encode(value).byteLength;
  if (valueBytes > KV_LIMITS.valueBytes) {
    throw new TsError(
      'store_value_too_large',
      `store value for a key is ${valueBytes} bytes; the limit is ${KV_LIMITS.valueBytes}`,
    );
  }
  const metadata = options?.metadata;
  if (metadata !== undefined) {
    const metadataBytes = encoder.encode(metadata).byteLength;
    if (metadataBytes > KV_LIMITS.metadataBytes) {
      throw new TsError(
        'store_value_too_large',
        `store metadata is ${metadataBytes} bytes; the limit is ${KV_LIMITS.metadataBytes}`,
      );
    }
  }
  const ttl = options?.ttlSeconds;
  if (
    ttl !== undefined &&
    (!Number.isInteger(ttl) || ttl < KV_LIMITS.minTtlSeconds || ttl > KV_LIMITS.maxTtlSeconds)
  ) {
    // A caller's bug (TTLs come from validated settings), not the client's: a 500.
    throw new TsError(
      'internal',
      `store TTL must be a whole number of seconds from ${KV_LIMITS.minTtlSeconds} to ${KV_LIMITS.maxTtlSeconds}, got ${ttl}`,
    );
  }
}

export function checkCountLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new TsError(
      'internal',
      `countPrefix limit must be a whole number from 1 to 10000, got ${limit}`,
    );
  }
}

/** Random bytes drawn 4 KiB at a time: one `getRandomValues` call per 512 generations. */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A new generation: 64 random bits as hex. Random rather than a per-key counter so a key deleted
 * and written again never repeats one (a counter would restart and let a stale writer win). Drawn
 * from a pool: a `getRandomValues` call per write cost ~2.5 µs, most of the memory store's put
 * (a generation needs to be unique, not secret).
 */
export function newGeneration(): string {
  if (poolOffset + 8 > pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  let hex = '';
  for (let index = poolOffset; index < poolOffset + 8; index++) hex += HEX[pool[index] as number];
  poolOffset += 8;
  return hex;
}

/**
 * Runs a store's synchronous work as its Promise: a thrown error (bad input, a driver failure)
 * becomes a rejection, as callers of an async API expect, never a synchronous throw.
 */
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
