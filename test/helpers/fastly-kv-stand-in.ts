/**
 * A stand-in for Fastly's `KVStore` (the subset in src/fastly/kv-store-kv.ts), with the semantics
 * Fastly documents for js-compute 3.46 — as one POP sees its own writes:
 * - keys: 1–1024 UTF-8 bytes, none of `#;?^|` CR LF, not `.`/`..`, not under
 *   `.well-known/acme-challenge/`; a bad key throws a TypeError (synchronously from `put`, as a
 *   rejection from `get` and `delete`, as the runtime does);
 * - `put`: overwrite by default; `mode: 'add'` rejects with "KVStore insert: Precondition failed."
 *   when the key is live; metadata up to 1000 bytes; `ttl` in seconds;
 * - `get` resolves null for an absent or expired key, else an entry whose generation is not exposed;
 * - `delete` resolves undefined whether or not the key was there;
 * - `list` pages through live keys in byte order, `limit` per page (default 100, at most 1000),
 *   with an opaque base64 cursor that is undefined on the last page.
 * What a single process cannot show is left out: replication delay between POPs.
 */
import type { FastlyKvApi, FastlyKvEntryApi } from '../../src/fastly/kv-store-kv.ts';

interface Stored {
  body: string;
  metadata: string | null;
  /** Epoch milliseconds; absent = never. */
  expiresAt?: number;
}

export type FastlyOperation = 'get' | 'put' | 'delete' | 'list';

const encoder = new TextEncoder();
const FORBIDDEN = /[#;?^|\n\r]/;

export class FastlyKvStandIn implements FastlyKvApi {
  readonly #entries = new Map<string, Stored>();
  readonly #now: () => number;
  /** Operations that reject as an unreachable store would, until cleared. */
  readonly failing = new Set<FastlyOperation>();
  /** Every call, for tests that count round trips. */
  readonly calls: FastlyOperation[] = [];

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get(key: string): Promise<FastlyKvEntryApi | null> {
    return this.#async('get', () => {
      validateKey(key);
      const entry = this.#live(key);
      if (entry === undefined) return null;
      let used = false;
      return {
        text: () => {
          // A body is a stream: it can be read once.
          if (used) return Promise.reject(new TypeError('body already used'));
          used = true;
          return Promise.resolve(entry.body);
        },
        metadataText: () => entry.metadata,
      };
    });
  }

  put(
    key: string,
    value: string,
    options: { metadata?: string; ttl?: number; mode?: 'overwrite' | 'add' } = {},
  ): Promise<undefined> {
    this.calls.push('put');
    validateKey(key); // thrown, not rejected: the runtime's put throws for a bad key
    if (this.failing.has('put')) return Promise.reject(new Error('KVStore insert: Internal error'));
    if (options.metadata !== undefined && encoder.encode(options.metadata).byteLength > 1000) {
      return Promise.reject(new Error('KVStore insert: Bad request'));
    }
    if (options.mode === 'add' && this.#live(key) !== undefined) {
      return Promise.reject(new Error('KVStore insert: Precondition failed.'));
    }
    const stored: Stored = { body: value, metadata: options.metadata ?? null };
    if (options.ttl !== undefined) stored.expiresAt = this.#now() + options.ttl * 1000;
    this.#entries.set(key, stored);
    return Promise.resolve(undefined);
  }

  delete(key: string): Promise<undefined> {
    return this.#async('delete', () => {
      validateKey(key);
      this.#entries.delete(key);
      return undefined;
    });
  }

  list(
    options: { prefix?: string; limit?: number; cursor?: string } = {},
  ): Promise<{ list: string[]; cursor: string | undefined }> {
    return this.#async('list', () => {
      const limit = options.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new TypeError('KVStore.list: limit must be an integer from 1 to 1000');
      }
      const after =
        options.cursor === undefined
          ? undefined
          : Buffer.from(options.cursor, 'base64').toString('utf8');
      const keys = [...this.#entries.keys()]
        .filter((key) => key.startsWith(options.prefix ?? '') && this.#live(key) !== undefined)
        .sort(byUtf8)
        .filter((key) => after === undefined || byUtf8(key, after) > 0);
      const page = keys.slice(0, limit);
      const last = page[page.length - 1];
      return {
        list: page,
        cursor:
          keys.length > limit && last !== undefined
            ? Buffer.from(last, 'utf8').toString('base64')
            : undefined,
      };
    });
  }

  /** Writes a raw body, as the Fastly CLI or API would (no Trusted Server header). */
  seed(key: string, body: string, metadata: string | null = null): void {
    this.#entries.set(key, { body, metadata });
  }

  /** The raw body stored under a Fastly key, or undefined. */
  raw(key: string): string | undefined {
    return this.#live(key)?.body;
  }

  /** Every live Fastly key, in listing order. */
  keys(): string[] {
    return [...this.#entries.keys()].filter((key) => this.#live(key) !== undefined).sort(byUtf8);
  }

  #live(key: string): Stored | undefined {
    const entry = this.#entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #async<T>(operation: FastlyOperation, work: () => T): Promise<T> {
    this.calls.push(operation);
    if (this.failing.has(operation)) {
      return Promise.reject(new Error(`KVStore ${operation}: Internal error`));
    }
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

function validateKey(key: string): void {
  if (key === '') throw new TypeError('KVStore key can not be an empty string');
  if (encoder.encode(key).byteLength > 1024) {
    throw new TypeError('KVStore key can not be more than 1024 characters');
  }
  const bad = FORBIDDEN.exec(key);
  if (bad !== null) throw new TypeError(`KVStore key can not contain ${bad[0]} character`);
  if (key.startsWith('.well-known/acme-challenge/')) {
    throw new TypeError('KVStore key can not start with .well-known/acme-challenge/');
  }
  if (key === '.' || key === '..') throw new TypeError("KVStore key can not be '.' or '..'");
}

function byUtf8(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}
