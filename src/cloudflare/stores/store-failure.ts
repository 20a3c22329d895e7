/**
 * A Cloudflare store call that failed in the runtime (an object that cannot be reached or is
 * overloaded, a KV request that failed) becomes `store_unavailable`, so callers fail closed the
 * same way on every platform. Input errors raised before the call keep their own codes.
 */
import { TsError } from '../../core/errors.ts';

export function storeFailure(store: string, error: unknown): TsError {
  if (error instanceof TsError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new TsError('store_unavailable', `${store} store: ${reason}`, { cause: error });
}

/** Runs `work` (which may throw before its first await) with its failures mapped. */
export async function guardedCall<T>(store: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw storeFailure(store, error);
  }
}
