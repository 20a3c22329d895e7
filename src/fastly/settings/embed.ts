/**
 * Build time: the shared edge embedding (src/edge/embed-settings.ts) with Fastly's names — secret
 * slots keyed for the Secret Store, the store names and Config Store keys in the platform
 * section — and Fastly's checks of them. No secret value is embedded.
 */
import type { EnvSource } from '../../core/settings/env-overrides.ts';
import type { KeyPath } from '../../core/settings/secret-keys.ts';
import { embedSettings, type EmbedResult } from '../../edge/embed-settings.ts';
import type { SecretSlot } from '../../edge/embedded-settings.ts';
import { FASTLY_UNSUPPORTED } from '../unsupported-settings.ts';
import { CONFIG_STORE_KEYS } from './config-store-keys.ts';
import type { FastlyPlatform } from './embedded.ts';

export interface EmbedOptions {
  /** Name used in messages, usually the file path. */
  source: string;
  env: EnvSource;
  secretStore: string;
  /** Config Store resource-link name; null: no run-time overrides. */
  configStore: string | null;
  /** KV Store resource-link name for the kv service; null: no store. */
  kvStore: string | null;
  /** What named the KV Store, for messages: `--kv-store` (the default) or `ec.ec_store`. */
  kvStoreSource?: string;
  dev: boolean;
}

/** Fastly's rule for Secret Store keys. */
export const SECRET_STORE_KEY = /^[A-Za-z0-9._-]{1,255}$/;
/** Fastly's rule for store resource-link names (a subset of what each store type accepts). */
const STORE_NAME = /^[A-Za-z][A-Za-z0-9_ -]{0,254}$/;

/** The Secret Store key holding the secret at `path`: `handlers.0.password`. */
export const secretStoreKey = (path: KeyPath): string => path.join('.');

export function embedFastlySettings(
  tomlText: string,
  options: EmbedOptions,
): EmbedResult<FastlyPlatform> {
  return embedSettings(tomlText, {
    source: options.source,
    env: options.env,
    dev: options.dev,
    secretName: secretStoreKey,
    unsupported: FASTLY_UNSUPPORTED,
    platformProblems: (slots) => buildInputProblems(slots, options),
    platform: {
      stores: { secrets: options.secretStore, config: options.configStore, kv: options.kvStore },
      configKeys: options.configStore === null ? [] : [...CONFIG_STORE_KEYS],
    },
  });
}

function buildInputProblems(slots: readonly SecretSlot[], options: EmbedOptions): string[] {
  const problems: string[] = [];
  for (const slot of slots) {
    if (!SECRET_STORE_KEY.test(slot.name)) {
      problems.push(`${slot.key}: "${slot.name}" is not a valid Fastly Secret Store key`);
    }
  }
  for (const [flag, name] of [
    ['--secret-store', options.secretStore],
    ['--config-store', options.configStore],
    [options.kvStoreSource ?? '--kv-store', options.kvStore],
  ] as const) {
    if (name !== null && !STORE_NAME.test(name)) {
      problems.push(
        `${flag}: "${name}" is not a valid Fastly store name (a letter, then letters, digits, "_", "-" or spaces)`,
      );
    }
  }
  return problems;
}
