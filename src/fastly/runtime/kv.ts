/**
 * Opens the KV Store the package was built for (`--kv-store`, default `trusted_server_kv`) as the
 * kv service. A store that is not linked to the service leaves the service without one — the
 * features that need it stay off — and says so once per app build, naming the store.
 */
import { KVStore } from 'fastly:kv-store';
import type { Logger } from '../../core/log.ts';
import type { KvStore } from '../../core/store/kv.ts';
import { createFastlyKv, type FastlyKvApi } from '../kv-store-kv.ts';
import type { FastlyEmbeddedSettings } from '../settings/embedded.ts';

export function openKv(embedded: FastlyEmbeddedSettings, log: Logger): KvStore | undefined {
  const name = embedded.platform.stores.kv;
  if (name === null) return undefined;
  let store: FastlyKvApi;
  try {
    store = new KVStore(name) satisfies FastlyKvApi;
  } catch (error) {
    log.warn(
      `KV Store "${name}" is not linked to this service: no kv store, features that need one are off ` +
        '(link it, or build with --kv-store none to silence this)',
      { error: (error as Error).message },
    );
    return undefined;
  }
  return createFastlyKv(store, name);
}
