/**
 * Where the configuration keeps secrets, and what each is called in the Fastly Secret Store.
 *
 * Found by walking the validated settings for {@link Secret} values rather than by listing key
 * paths, so a secret field added to the schema later is kept out of the Wasm without touching this
 * adapter.
 */
import { ENV_PREFIX } from '../../core/settings/env-overrides.ts';
import { Secret } from '../../core/settings/secret.ts';
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
  const slots: SecretSlot[] = [];
  const walk = (value: unknown, segments: string[]): void => {
    if (value instanceof Secret) {
      slots.push(slotFor(segments));
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, [...segments, String(index)]));
    } else if (typeof value === 'object' && value !== null && !(value instanceof RegExp)) {
      for (const [key, item] of Object.entries(value)) walk(item, [...segments, key]);
    }
  };
  walk(settings, []);
  return slots;
}

function slotFor(segments: string[]): SecretSlot {
  return {
    path: segments
      .map((segment, index) =>
        /^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`,
      )
      .join(''),
    storeKey: segments.join('.'),
    envName: ENV_PREFIX + segments.map((segment) => segment.toUpperCase()).join('__'),
  };
}
