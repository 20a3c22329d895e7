/**
 * The signing keystore on Fastly: upstream's layout in the Config Store `config_store_id` names
 * and the Secret Store `secret_store_id` names, read-only (src/core/signing/config-secret-keystore.ts).
 * Fastly's stores can be opened only while a request is handled, so each read opens its store.
 */
import { ConfigStore } from 'fastly:config-store';
import { SecretStore } from 'fastly:secret-store';
import type { Settings } from '../../core/settings/settings-schema.ts';
import { createConfigSecretKeyStore } from '../../core/signing/config-secret-keystore.ts';
import type { KeyStore } from '../../core/signing/keystore.ts';

export function openFastlyKeyStore(settings: Settings): KeyStore | undefined {
  const signing = settings.request_signing;
  if (signing?.enabled !== true) return undefined;
  const { config_store_id: configId, secret_store_id: secretId } = signing;
  // The build refuses this (unsupported-settings.ts); a hand-made package gets no keystore.
  if (configId === undefined || secretId === undefined) return undefined;
  return createConfigSecretKeyStore({
    config: (key) => Promise.resolve(new ConfigStore(configId).get(key)),
    secret: async (key) => (await new SecretStore(secretId).get(key))?.plaintext() ?? null,
  });
}
