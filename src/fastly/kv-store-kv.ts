/**
 * The {@link KvStore} of the Fastly adapter, over a Fastly KV Store (`fastly:kv-store`).
 *
 * What it guarantees, from what the platform documents and the JavaScript API exposes:
 * - `ttl`: yes, Fastly's own per-entry TTL.
 * - `consistent`: no. Fastly's data stores are eventually consistent: a write reaches other POPs
 *   after a delay (Fastly quotes up to ~300 ms for recently changed data), so another POP may read
 *   the previous value for a while.
 * - `cas`: no. Fastly's `put` takes `mode: 'add'` and a generation match (`gen`), but the
 *   JavaScript API's `get` does not return the generation to match, so `if-generation` is a read,
 *   a compare and a write: two writers that read the same generation can both succeed (the last
 *   one wins). `add` is Fastly's own and atomic. `updateKv` therefore behaves as last-write-wins.
 *
 * The generation this store returns is its own (see kv-store-format.ts), kept with the value.
 * `delete` reports whether the key was there by reading it first (not atomic either), and
 * `countPrefix` pages through Fastly's key listing (strongly consistent by default, so it costs a
 * round trip to the primary store per page of up to 1000 keys): it counts what the listing
 * reports, which the stand-in the tests use takes to be live keys only.
 */
import { TsError } from '../core/errors.ts';
import {
  checkCountLimit,
  checkKey,
  checkPut,
  newGeneration,
  type KvEntry,
  type KvPutOptions,
  type KvPutResult,
  type KvStore,
} from '../core/store/kv.ts';
import { decodeEntry, encodeEntry, fastlyKey } from './kv-store-format.ts';

/** The part of Fastly's `KVStoreEntry` this store reads. */
export interface FastlyKvEntryApi {
  text(): Promise<string>;
  metadataText(): string | null;
}

/**
 * The part of Fastly's `KVStore` (js-compute 3.46) this store uses: the real class satisfies it,
 * and so does the stand-in the tests run against.
 */
export interface FastlyKvApi {
  get(key: string): Promise<FastlyKvEntryApi | null>;
  put(
    key: string,
    value: string,
    options?: { metadata?: string; ttl?: number; mode?: 'overwrite' | 'add' },
  ): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  list(options: {
    prefix?: string;
    limit?: number;
    cursor?: string;
  }): Promise<{ list: string[]; cursor: string | undefined }>;
}

/** Keys asked for per listing call; Fastly's own maximum page. */
export const LIST_PAGE = 1000;

/**
 * How Fastly reports a refused `add` (the key exists) or generation match: the runtime rejects
 * with "KVStore insert: Precondition failed."; every other rejection is the store failing.
 */
const PRECONDITION_FAILED = /precondition failed/i;

export function createFastlyKv(api: FastlyKvApi, storeName: string): KvStore {
  /** Runs one Fastly call; whatever it throws or rejects with becomes `store_unavailable`. */
  const call = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw unavailable(storeName, operation, error);
    }
  };

  const read = async (key: string): Promise<KvEntry | null> => {
    const entry = await call('lookup', () => api.get(key));
    if (entry === null) return null;
    const body = await call('lookup', () => entry.text());
    const metadata = await call('lookup', () => Promise.resolve(entry.metadataText()));
    const { generation, value } = decodeEntry(body);
    return metadata === null ? { value, generation } : { value, metadata, generation };
  };

  const write = async (
    key: string,
    value: string,
    options: KvPutOptions | undefined,
    mode: 'overwrite' | 'add',
  ): Promise<KvPutResult> => {
    const generation = newGeneration();
    try {
      await api.put(key, encodeEntry(generation, value), {
        ...(options?.metadata === undefined ? {} : { metadata: options.metadata }),
        ...(options?.ttlSeconds === undefined ? {} : { ttl: options.ttlSeconds }),
        mode,
      });
    } catch (error) {
      if (mode === 'add' && PRECONDITION_FAILED.test(messageOf(error))) {
        return { ok: false, reason: 'exists' };
      }
      throw unavailable(storeName, 'insert', error);
    }
    return { ok: true, generation };
  };

  return {
    kind: 'fastly',
    capabilities: { cas: false, ttl: true, consistent: false },

    async get(key: string): Promise<KvEntry | null> {
      checkKey(key);
      return read(fastlyKey(key));
    },

    async put(key: string, value: string, options?: KvPutOptions): Promise<KvPutResult> {
      checkPut(key, value, options);
      const stored = fastlyKey(key);
      const mode = options?.mode ?? { kind: 'overwrite' };
      if (mode.kind === 'overwrite') return write(stored, value, options, 'overwrite');
      if (mode.kind === 'add') return write(stored, value, options, 'add');
      // Not atomic (see above): another writer may get in between this read and the write.
      const current = await read(stored);
      if (current?.generation !== mode.generation) {
        return { ok: false, reason: 'generation-mismatch' };
      }
      return write(stored, value, options, 'overwrite');
    },

    async delete(key: string): Promise<boolean> {
      checkKey(key);
      const stored = fastlyKey(key);
      const existed = (await call('lookup', () => api.get(stored))) !== null;
      await call('delete', () => api.delete(stored));
      return existed;
    },

    async countPrefix(prefix: string, limit: number): Promise<number> {
      checkCountLimit(limit);
      const listed = prefix === '' ? undefined : fastlyKey(prefix);
      let count = 0;
      let cursor: string | undefined;
      do {
        const page = await call('list', () =>
          api.list({
            ...(listed === undefined ? {} : { prefix: listed }),
            limit: Math.min(LIST_PAGE, limit - count),
            ...(cursor === undefined ? {} : { cursor }),
          }),
        );
        count += page.list.length;
        cursor = page.cursor;
      } while (cursor !== undefined && count < limit);
      return Math.min(count, limit);
    },

    close(): Promise<void> {
      // Nothing to release: the runtime owns the store handle.
      return Promise.resolve();
    },
  };
}

/** The store failing, named by store and operation; never the key (it may be an identity). */
function unavailable(storeName: string, operation: string, error: unknown): TsError {
  if (error instanceof TsError) return error;
  return new TsError(
    'store_unavailable',
    `Fastly KV Store "${storeName}": ${operation} failed: ${messageOf(error)}`,
    { cause: error },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
