/**
 * The Node side of store-worker.ts: a KvStore whose every call runs inside workerd, through the
 * Worker's store code, on the real Durable Object or KV binding. Errors come back as the typed
 * errors the store raised there.
 */
import { TsError, type ErrorCode } from '../../src/core/errors.ts';
import type {
  KvCapabilities,
  KvEntry,
  KvPutOptions,
  KvPutResult,
  KvStore,
} from '../../src/core/store/kv.ts';

export type StoreName = 'durable-object' | 'workers-kv';

export const CAPABILITIES: Record<StoreName, KvCapabilities> = {
  'durable-object': { cas: true, ttl: true, consistent: true },
  'workers-kv': { cas: false, ttl: true, consistent: false },
};

export async function callWorker(url: string, body: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  const answer = (await response.json()) as {
    result?: unknown;
    error?: { code: string; message: string };
  };
  if (answer.error !== undefined) {
    if (answer.error.code === 'unexpected') throw new Error(answer.error.message);
    throw new TsError(answer.error.code as ErrorCode, answer.error.message);
  }
  return answer.result;
}

export function remoteKv(
  url: string,
  store: StoreName,
  session: string,
  now: () => number,
): KvStore {
  let seq = 0;
  const call = (op: string, ...args: unknown[]) =>
    callWorker(url, { store, session, seq: seq++, now: now(), op, args });
  return {
    kind: store,
    capabilities: CAPABILITIES[store],
    get: (key: string) => call('get', key) as Promise<KvEntry | null>,
    put: (key: string, value: string, options?: KvPutOptions) =>
      call('put', key, value, options) as Promise<KvPutResult>,
    delete: (key: string) => call('delete', key) as Promise<boolean>,
    countPrefix: (prefix: string, limit: number) =>
      call('countPrefix', prefix, limit) as Promise<number>,
    close: () => Promise.resolve(),
  };
}
