/**
 * The signing keystore on Fastly: upstream's layout in the Config Store linked as `jwks_store`
 * and the Secret Store linked as `signing_keys`, read-only (keystore-readers.ts,
 * src/core/signing/config-secret-keystore.ts). Fastly's stores can be opened only while a request
 * is handled, so each read opens its store.
 */
import { ConfigStore } from 'fastly:config-store';
import { SecretStore } from 'fastly:secret-store';
import type { Settings } from '../../core/settings/settings-schema.ts';
import type { KeyStore } from '../../core/signing/keystore.ts';
import { fastlyKeyStore } from './keystore-readers.ts';

export function openFastlyKeyStore(settings: Settings): KeyStore | undefined {
  return fastlyKeyStore(settings, {
    config: (name) => new ConfigStore(name),
    secret: (name) => new SecretStore(name),
  });
}
