/**
 * The {@link KvStore} on a Workers KV namespace (bound as `TS_KV_NAMESPACE`), for deployments
 * that accept eventual consistency in exchange for KV's global read caching.
 *
 * READ THIS BEFORE CHOOSING IT: Workers KV has no compare-and-swap and is eventually consistent
 * (a write can take 60 s or more to be seen in other locations; `list` lags too). So this store
 * reports `cas: false, consistent: false`, and:
 * - `add` and `if-generation` are best effort: they read, compare, then write. Two writers at
 *   once (or one reading a stale cached copy) can both succeed, and the last write wins; the
 *   identity graph can lose a partner ID that two syncs wrote at the same moment.
 * - `delete` reports whether the key was there from a read just before it, with the same caveat.
 * - `countPrefix` lists keys, which may miss recent writes or count recent deletions.
 * Use the Durable Object store (`TS_KV`) wherever those matter.
 *
 * Layout: the KV value is the JSON `{"v": value, "m": metadata}` (the caller's metadata may be
 * up to 1000 bytes, which KV's own 1024-byte metadata could not always hold once JSON-escaped);
 * KV's metadata holds `{"g": generation, "e": expiresAt}`, small and returned by `list`, so a
 * listing can skip expired keys without reading values. Expiry is checked against the store's
 * clock on every read; KV's own `expirationTtl` (same TTL) removes the key eventually.
 */
import { TsError } from '../../core/errors.ts';
import {
  checkCountLimit,
  checkKey,
  checkPut,
  newGeneration,
  type KvEntry,
  type KvPutOptions,
  type KvPutResult,
  type KvStore,
} from '../../core/store/kv.ts';
import { guardedCall } from './store-failure.ts';

/** The part of the runtime's `KVNamespace` binding this store uses. */
export interface WorkersKvNamespace {
  getWithMetadata(key: string, type: 'text'): Promise<{ value: string | null; metadata: unknown }>;
  put(
    key: string,
    value: string,
    options?: { expirationTtl?: number; metadata?: unknown },
  ): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: { prefix: string; limit?: number; cursor?: string }): Promise<{
    keys: { name: string; metadata?: unknown }[];
    list_complete: boolean;
    cursor?: string;
  }>;
}

interface EntryMeta {
  /** Generation. */
  g: string;
  /** Expiry, epoch milliseconds. */
  e?: number;
}

interface Envelope {
  v: string;
  m?: string;
}

/** KV's page size ceiling for `list`. */
const LIST_PAGE = 1000;

export function createWorkersKv(
  namespace: WorkersKvNamespace,
  options: { now?: () => number } = {},
): KvStore {
  const now = options.now ?? Date.now;
  const call = <T>(work: () => Promise<T>) => guardedCall('workers kv', work);

  const read = async (key: string): Promise<KvEntry | null> => {
    const { value, metadata } = await namespace.getWithMetadata(key, 'text');
    if (value === null) return null;
    const meta = entryMeta(metadata);
    if (meta === undefined) throw notOurs();
    if (!isLive(meta, now())) return null;
    let envelope: unknown;
    try {
      envelope = JSON.parse(value);
    } catch {
      throw notOurs();
    }
    if (!isEnvelope(envelope)) throw notOurs();
    return envelope.m === undefined
      ? { value: envelope.v, generation: meta.g }
      : { value: envelope.v, metadata: envelope.m, generation: meta.g };
  };

  return {
    kind: 'workers-kv',
    capabilities: { cas: false, ttl: true, consistent: false },

    get: (key: string) =>
      call(() => {
        checkKey(key);
        return read(key);
      }),

    put: (key: string, value: string, putOptions?: KvPutOptions): Promise<KvPutResult> =>
      call(async () => {
        checkPut(key, value, putOptions);
        const mode = putOptions?.mode ?? { kind: 'overwrite' };
        // Best effort only: nothing stops another writer between this read and the write below.
        if (mode.kind !== 'overwrite') {
          const current = await read(key);
          if (mode.kind === 'add' && current !== null) return { ok: false, reason: 'exists' };
          if (mode.kind === 'if-generation' && current?.generation !== mode.generation) {
            return { ok: false, reason: 'generation-mismatch' };
          }
        }
        const generation = newGeneration();
        const ttl = putOptions?.ttlSeconds;
        const meta: EntryMeta = { g: generation };
        if (ttl !== undefined) meta.e = now() + ttl * 1000;
        const envelope: Envelope = { v: value };
        if (putOptions?.metadata !== undefined) envelope.m = putOptions.metadata;
        await namespace.put(key, JSON.stringify(envelope), {
          metadata: meta,
          ...(ttl !== undefined ? { expirationTtl: ttl } : {}),
        });
        return { ok: true, generation };
      }),

    delete: (key: string) =>
      call(async () => {
        checkKey(key);
        const existed = (await read(key)) !== null;
        await namespace.delete(key);
        return existed;
      }),

    countPrefix: (prefix: string, limit: number) =>
      call(async () => {
        checkCountLimit(limit);
        const at = now();
        let count = 0;
        let cursor: string | undefined;
        do {
          const page = await namespace.list({
            prefix,
            limit: LIST_PAGE,
            ...(cursor !== undefined ? { cursor } : {}),
          });
          for (const { metadata } of page.keys) {
            const meta = entryMeta(metadata);
            // A key without our metadata was not written by this store: not counted.
            if (meta !== undefined && isLive(meta, at) && ++count >= limit) return limit;
          }
          cursor = page.list_complete ? undefined : page.cursor;
        } while (cursor !== undefined);
        return count;
      }),

    close: () => Promise.resolve(),
  };
}

function entryMeta(metadata: unknown): EntryMeta | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const { g, e } = metadata as Record<string, unknown>;
  if (typeof g !== 'string') return undefined;
  if (e !== undefined && typeof e !== 'number') return undefined;
  return e === undefined ? { g } : { g, e };
}

function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const { v, m } = value as Record<string, unknown>;
  return typeof v === 'string' && (m === undefined || typeof m === 'string');
}

function isLive(meta: EntryMeta, at: number): boolean {
  return meta.e === undefined || meta.e > at;
}

/** A value another program wrote into the namespace: refused rather than misread. */
function notOurs(): TsError {
  return new TsError(
    'store_unavailable',
    'workers kv store: an entry in the TS_KV_NAMESPACE namespace was not written by Trusted Server (share the namespace with nothing else)',
  );
}
