/**
 * The store `[store]` names, opened at start-up so a bad file or an unreachable server stops
 * `serve` with a message, instead of failing the first reader who needs it.
 */
import { resolve } from 'node:path';
import { createMemoryKv } from '../../core/store/memory-kv.ts';
import type { KvStore } from '../../core/store/kv.ts';
import { DEFAULT_STORE_PATH } from '../../core/settings/sections/store.ts';
import type { Settings } from '../../core/settings/settings-schema.ts';
import { openSqliteKv, StoreOpenError } from './sqlite-kv.ts';

export { StoreOpenError };

export function openStore(settings: Settings['store']): Promise<KvStore> {
  if (settings.url !== undefined) {
    return Promise.reject(new StoreOpenError('[store] url: the Redis store is not available yet'));
  }
  const path = settings.path ?? DEFAULT_STORE_PATH;
  // `:memory:` keeps nothing and shares nothing between processes: tests and throwaway demos.
  if (path === ':memory:') return Promise.resolve(createMemoryKv());
  return Promise.resolve(openSqliteKv({ path: resolve(path), busyTimeoutMs: settings.timeout_ms }));
}
