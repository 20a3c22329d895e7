/**
 * The store `[store]` names, and the rate limiter that goes with it, opened at start-up so a bad
 * file or an unreachable server stops `serve` with a message instead of failing the first reader
 * who needs it.
 */
import { resolve } from 'node:path';
import type { Logger } from '../../core/log.ts';
import { DEFAULT_STORE_PATH } from '../../core/settings/sections/store.ts';
import type { Settings } from '../../core/settings/settings-schema.ts';
import type { KvStore } from '../../core/store/kv.ts';
import { createMemoryKv } from '../../core/store/memory-kv.ts';
import { createMemoryRateLimiter } from '../../core/store/memory-rate-limiter.ts';
import type { RateLimiter } from '../../core/store/rate-limiter.ts';
import { openRedisKv } from './redis-kv.ts';
import { openRedisRateLimiter } from './redis-rate-limiter.ts';
import { openSqliteKv } from './sqlite-kv.ts';

/**
 * The store `openStore` opens, for a line an operator reads: `sqlite /abs/path` (resolved from
 * the current directory, as `openStore` does) or `redis host:port`. Never the URL's password.
 */
export function describeStore(settings: Settings['store']): string {
  if (settings.url !== undefined) {
    const url = new URL(settings.url.reveal());
    return `redis ${url.hostname}:${url.port || '6379'}`;
  }
  const path = settings.path ?? DEFAULT_STORE_PATH;
  return path === ':memory:' ? 'memory' : `sqlite ${resolve(path)}`;
}

export function openStore(settings: Settings['store'], log?: Logger): Promise<KvStore> {
  if (settings.url !== undefined) {
    return openRedisKv({
      url: settings.url.reveal(),
      timeoutMs: settings.timeout_ms,
      ...(log ? { log } : {}),
    });
  }
  const path = settings.path ?? DEFAULT_STORE_PATH;
  // `:memory:` keeps nothing and shares nothing between processes: tests and throwaway demos.
  if (path === ':memory:') return Promise.resolve(createMemoryKv());
  return Promise.resolve(openSqliteKv({ path: resolve(path), busyTimeoutMs: settings.timeout_ms }));
}

export interface OpenedRateLimiter {
  limiter: RateLimiter;
  close(): Promise<void>;
}

/**
 * With Redis every instance counts in one place; otherwise each process counts for itself (a
 * budget is then per process: documented, and reported as `scope: 'process'`).
 */
export async function openRateLimiter(
  settings: Settings['store'],
  log?: Logger,
): Promise<OpenedRateLimiter> {
  if (settings.url === undefined) {
    return { limiter: createMemoryRateLimiter(), close: () => Promise.resolve() };
  }
  const limiter = await openRedisRateLimiter({
    url: settings.url.reveal(),
    timeoutMs: settings.timeout_ms,
    ...(log ? { log } : {}),
  });
  return { limiter, close: () => limiter.close() };
}
