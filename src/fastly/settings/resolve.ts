/**
 * Run time: the shared revival (src/edge/revive-settings.ts) fed from Fastly's stores — secrets
 * from the Secret Store, and the allowed Config Store overrides, which go in as
 * `TRUSTED_SERVER__…` values and are validated like any other. Runs once per app build.
 */
import { reviveSettings, type RevivedSettings } from '../../edge/revive-settings.ts';
import type { FastlyEmbeddedSettings } from './embedded.ts';

export interface RuntimeValues {
  /** Secret Store key → value; a missing key is absent (or null). */
  secrets: ReadonlyMap<string, string | null>;
  /** Config Store key → value, for the keys that are set. */
  config: Readonly<Record<string, string>>;
}

export function resolveFastlySettings(
  embedded: FastlyEmbeddedSettings,
  values: RuntimeValues,
): RevivedSettings {
  const { stores, configKeys } = embedded.platform;
  // Only the listed keys: secrets never come from the Config Store.
  const allowed = new Set(configKeys);
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(values.config)) {
    if (allowed.has(key)) config[key] = value;
  }
  return reviveSettings(
    embedded,
    {
      read: (slot) => values.secrets.get(slot.name),
      describe: (slot) => `Secret Store "${stores.secrets}" (key "${slot.name}")`,
    },
    { values: config, describe: (key) => `Config Store "${stores.config}" key ${key}` },
  );
}
