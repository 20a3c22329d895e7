/**
 * Where the configuration keeps secrets, and what each is called in the Fastly Secret Store.
 *
 * Found by core's walk over the validated settings (secret-keys.ts), so a secret field added to
 * the schema later is kept out of the Wasm without touching this adapter.
 */
import { envNameOf, keyName, secretPaths } from '../../core/settings/secret-keys.ts';
import type { Settings } from '../../core/settings/settings-schema.ts';

export interface SecretSlot {
  /** The key path as config errors print it: `handlers[0].password`. */
  path: string;
  /** The Secret Store key holding the value: `handlers.0.password`. */
  storeKey: string;
  /** The `TRUSTED_SERVER__…` override that carries the value into validation. */
  envName: string;
}

/** Fastly's rule for Secret Store keys. */
export const SECRET_STORE_KEY = /^[A-Za-z0-9._-]{1,255}$/;

export function secretSlots(settings: Settings): SecretSlot[] {
  return secretPaths(settings).map((path) => ({
    path: keyName(path),
    storeKey: path.join('.'),
    envName: envNameOf(path),
  }));
}
