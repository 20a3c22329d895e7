/**
 * The Fastly signing keystore without the `fastly:` imports, so it can be tested on Node: it reads
 * the Config Store linked as `jwks_store` and the Secret Store linked as `signing_keys`, as
 * upstream. `config_store_id` / `secret_store_id` are Fastly API store IDs (writes through the
 * API), never the names a running service opens its stores by.
 */
import type { Settings } from '../../core/settings/settings-schema.ts';
import {
  createConfigSecretKeyStore,
  JWKS_CONFIG_STORE_NAME,
  SIGNING_SECRET_STORE_NAME,
} from '../../core/signing/config-secret-keystore.ts';
import type { KeyStore } from '../../core/signing/keystore.ts';

export interface FastlyStoreOpeners {
  /** `new ConfigStore(name)`'s `get`. */
  config(name: string): { get(key: string): string | null };
  /** `new SecretStore(name)`'s `get`, with the entry's plaintext. */
  secret(name: string): { get(key: string): Promise<{ plaintext(): string } | null> };
}

export function fastlyKeyStore(settings: Settings, open: FastlyStoreOpeners): KeyStore | undefined {
  const signing = settings.request_signing;
  if (signing?.enabled !== true) return undefined;
  // The build refuses this (unsupported-settings.ts); a hand-made package gets no keystore.
  if (signing.config_store_id === undefined || signing.secret_store_id === undefined) {
    return undefined;
  }
  return createConfigSecretKeyStore({
    config: (key) => Promise.resolve(open.config(JWKS_CONFIG_STORE_NAME).get(key)),
    secret: async (key) =>
      (await open.secret(SIGNING_SECRET_STORE_NAME).get(key))?.plaintext() ?? null,
  });
}
