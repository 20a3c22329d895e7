/**
 * A {@link KvStore} in this process's memory: the store of the in-process tests, and of a server
 * that is told to keep nothing (`[store] path = ":memory:"`). Atomic by construction (one thread),
 * and consistent only within the process.
 */
import {
  settle,
  checkCountLimit,
  checkKey,
  checkPut,
  newGeneration,
  type KvEntry,
  type KvPutOptions,
  type KvPutResult,
  type KvStore,
} from './kv.ts';

interface Stored extends KvEntry {
  /** Epoch milliseconds; absent = never. */
  expiresAt?: number;
}

export function createMemoryKv(now: () => number = Date.now): KvStore {
  const entries = new Map<string, Stored>();

  const live = (key: string): Stored | undefined => {
    const entry = entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  return {
    kind: 'memory',
    capabilities: { cas: true, ttl: true, consistent: true },

    get: (key: string) =>
      settle(() => {
        checkKey(key);
        const entry = live(key);
        if (entry === undefined) return null;
        const { value, metadata, generation } = entry;
        return metadata === undefined ? { value, generation } : { value, metadata, generation };
      }),

    put: (key: string, value: string, options?: KvPutOptions) =>
      settle((): KvPutResult => {
        checkPut(key, value, options);
        const current = live(key);
        const mode = options?.mode ?? { kind: 'overwrite' };
        if (mode.kind === 'add' && current !== undefined) return { ok: false, reason: 'exists' };
        if (mode.kind === 'if-generation' && current?.generation !== mode.generation) {
          return { ok: false, reason: 'generation-mismatch' };
        }
        const generation = newGeneration();
        const stored: Stored = { value, generation };
        if (options?.metadata !== undefined) stored.metadata = options.metadata;
        if (options?.ttlSeconds !== undefined) stored.expiresAt = now() + options.ttlSeconds * 1000;
        entries.set(key, stored);
        return { ok: true, generation };
      }),

    delete: (key: string) =>
      settle(() => {
        checkKey(key);
        const existed = live(key) !== undefined;
        entries.delete(key);
        return existed;
      }),

    countPrefix: (prefix: string, limit: number) =>
      settle(() => {
        checkCountLimit(limit);
        let count = 0;
        for (const key of entries.keys()) {
          if (count >= limit) break;
          if (key.startsWith(prefix) && live(key) !== undefined) count++;
        }
        return count;
      }),

    close(): Promise<void> {
      entries.clear();
      return Promise.resolve();
    },
  };
}
