/**
 * Read-modify-write on a {@link KvStore} without losing a concurrent writer's change: read, let the
 * caller compute the new value, write it only if the generation is still the one read, and start
 * over when it is not.
 */
import { TsError } from '../errors.ts';
import type { KvEntry, KvPutOptions, KvStore } from './kv.ts';

export interface KvUpdateOptions extends Omit<KvPutOptions, 'mode'> {
  /**
   * The entry's TTL from this write on. A store cannot report an entry's remaining TTL, so an
   * update without one makes the entry permanent: callers of expiring entries pass it every time.
   */
  ttlSeconds?: number;
  /** The entry's metadata; absent keeps what the entry had. */
  metadata?: string;
  /** Tries before giving up with `store_conflict` (default 5). */
  attempts?: number;
}

/** What the update function decides: the new value, or `null` to leave the entry as it is. */
export type KvUpdate = (current: KvEntry | null) => string | null;

/**
 * Applies `update` atomically where the store has compare-and-swap; where it has not
 * (`capabilities.cas` false: Workers KV) the last writer wins, as the capability says.
 * Resolves with the entry as written (or as found, when `update` returned null).
 */
export async function updateKv(
  kv: KvStore,
  key: string,
  update: KvUpdate,
  options: KvUpdateOptions = {},
): Promise<KvEntry | null> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await kv.get(key);
    const next = update(current);
    if (next === null) return current;
    const metadata = options.metadata ?? current?.metadata;
    const result = await kv.put(key, next, {
      ttlSeconds: options.ttlSeconds,
      metadata,
      mode:
        current === null
          ? { kind: 'add' }
          : { kind: 'if-generation', generation: current.generation },
    });
    if (result.ok) {
      return {
        value: next,
        generation: result.generation,
        ...(metadata === undefined ? {} : { metadata }),
      };
    }
  }
  throw new TsError('store_conflict', `store key changed under ${attempts} updates in a row`);
}
