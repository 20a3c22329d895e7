/**
 * The keystore in upstream's layout, read-only: a config store holding `current-kid`,
 * `active-kids` (comma-separated) and one JWK per kid, and a secret store holding one
 * standard-base64 seed per kid. Fastly's Config and Secret Stores are this (the adapter hands over
 * their readers); they can only be written through Fastly's API, so rotation, deactivation and
 * import refuse with the way to do it there (README, "Key management").
 */
import { Secret } from '../settings/secret.ts';
import type { KeyStore } from './keystore.ts';
import { readOnlyKeyStoreError } from './keystore.ts';
import { kidFormatProblem, parseActiveKids } from './kid.ts';

export interface ConfigSecretReaders {
  /** The config store's value for `key`, or null. */
  config(key: string): Promise<string | null>;
  /** The secret store's plaintext for `key`, or null. */
  secret(key: string): Promise<string | null>;
}

/**
 * The resource-link names Fastly's edge reads the signing stores through, fixed as upstream's
 * `JWKS_CONFIG_STORE_NAME` / `SIGNING_SECRET_STORE_NAME` (request_signing/mod.rs).
 * `[request_signing]`'s `config_store_id` / `secret_store_id` are Fastly API store IDs, for
 * writes through Fastly's API only, never link names.
 */
export const JWKS_CONFIG_STORE_NAME = 'jwks_store';
export const SIGNING_SECRET_STORE_NAME = 'signing_keys';

export const FASTLY_WRITES_UNSUPPORTED =
  'key management is not supported on Fastly from this server: use the Fastly API ' +
  '(README, "Key management": write the seed to the Secret Store, then the JWK, active-kids ' +
  'and current-kid to the Config Store)';

const BOOKKEEPING_KEYS: ReadonlySet<string> = new Set(['current-kid', 'active-kids']);

export function createConfigSecretKeyStore(readers: ConfigSecretReaders): KeyStore {
  // Only well-formed kids reach the stores (a kid from a request names the store key directly),
  // and never the two bookkeeping keys that share the Config Store with the JWKs.
  const lookup = (kid: string): boolean =>
    kidFormatProblem(kid) === undefined && !BOOKKEEPING_KEYS.has(kid);
  const refuse = () => Promise.reject(readOnlyKeyStoreError(FASTLY_WRITES_UNSUPPORTED));
  return {
    kind: 'fastly-config-store',
    currentKid: async () => (await readers.config('current-kid'))?.trim() || undefined,
    activeKids: async () => parseActiveKids((await readers.config('active-kids')) ?? ''),
    jwk: async (kid) => (lookup(kid) ? ((await readers.config(kid)) ?? undefined) : undefined),
    seed: async (kid) => {
      if (!lookup(kid)) return undefined;
      const value = await readers.secret(kid);
      return value === null ? undefined : new Secret(value);
    },
    rotate: refuse,
    deactivate: refuse,
    importKey: refuse,
  };
}
