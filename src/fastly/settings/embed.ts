/**
 * Build time: validates a config with the project's loader, applies the checks only Fastly needs,
 * and produces the {@link EmbeddedSettings} the Wasm carries — with no secret value in it.
 */
import { parse as parseToml } from 'smol-toml';
import { ENV_PREFIX, type EnvSource } from '../../core/settings/env-overrides.ts';
import { ConfigError, loadSettings } from '../../core/settings/load-settings.ts';
import type { Settings } from '../../core/settings/settings-schema.ts';
import { CONFIG_STORE_KEYS } from './config-store-keys.ts';
import type { EmbeddedSettings } from './embedded.ts';
import { SECRET_STORE_KEY, secretSlots, type SecretSlot } from './secret-slots.ts';

export interface EmbedOptions {
  /** Name used in messages, usually the file path. */
  source: string;
  env: EnvSource;
  secretStore: string;
  /** Config Store resource-link name; null: no run-time overrides. */
  configStore: string | null;
  /** KV Store resource-link name for the kv service; null: no store. */
  kvStore: string | null;
  dev: boolean;
  /** Keys accepted without effect yet (features to come), one call each. */
  onWarning?: (message: string) => void;
}

/** Fastly's rule for store resource-link names (a subset of what each store type accepts). */
const STORE_NAME = /^[A-Za-z][A-Za-z0-9_ -]{0,254}$/;

export function embedSettings(
  tomlText: string,
  options: EmbedOptions,
): { embedded: EmbeddedSettings; settings: Settings } {
  const settings = loadSettings(tomlText, {
    source: options.source,
    env: options.env,
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  const slots = secretSlots(settings);
  const problems = fastlyProblems(settings, slots, options);
  const overrides = buildOverrides(options.env, slots, problems);
  if (problems.length > 0) throw new ConfigError(options.source, problems);

  // Parsed again (already validated above) to keep the document as written: the validated
  // settings have defaults filled in and secrets wrapped, and are not valid input themselves.
  const document = parseToml(tomlText) as Record<string, unknown>;
  for (const slot of slots) deletePath(document, slot.storeKey.split('.'));

  return {
    settings,
    embedded: {
      format: 1,
      source: options.source,
      document,
      buildOverrides: overrides,
      secrets: slots,
      stores: { secrets: options.secretStore, config: options.configStore, kv: options.kvStore },
      configKeys: options.configStore === null ? [] : [...CONFIG_STORE_KEYS],
      allowPlaceholderSecrets: options.dev,
    },
  };
}

function fastlyProblems(settings: Settings, slots: SecretSlot[], options: EmbedOptions): string[] {
  const problems: string[] = [];
  if (!settings.proxy.certificate_check) {
    problems.push(
      'proxy.certificate_check: must be true on Fastly Compute — the platform always validates ' +
        'origin certificates (give the origin a publicly trusted certificate)',
    );
  }
  for (const slot of slots) {
    if (!SECRET_STORE_KEY.test(slot.storeKey)) {
      problems.push(`${slot.path}: "${slot.storeKey}" is not a valid Fastly Secret Store key`);
    }
  }
  for (const [flag, name] of [
    ['--secret-store', options.secretStore],
    ['--config-store', options.configStore],
    ['--kv-store', options.kvStore],
  ] as const) {
    if (name !== null && !STORE_NAME.test(name)) {
      problems.push(
        `${flag}: "${name}" is not a valid Fastly store name (a letter, then letters, digits, "_", "-" or spaces)`,
      );
    }
  }
  return problems;
}

/** The build's `TRUSTED_SERVER__…` overrides, without secrets (those come from the Secret Store). */
function buildOverrides(env: EnvSource, slots: SecretSlot[], problems: string[]) {
  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const upper = name.toUpperCase();
    if (!upper.startsWith(ENV_PREFIX) || value === undefined) continue;
    const secret = slots.find((slot) => slot.envName === upper);
    if (secret) continue;
    const inside = slots.filter((slot) => slot.envName.startsWith(`${upper}__`));
    if (inside.length > 0) {
      problems.push(
        `${name}: sets a value that holds secrets (${inside.map((slot) => slot.path).join(', ')}); ` +
          'override the non-secret keys one by one and keep secrets in the Secret Store',
      );
      continue;
    }
    overrides[upper] = value;
  }
  return overrides;
}

function deletePath(document: Record<string, unknown>, segments: string[]): void {
  let node: unknown = document;
  for (const segment of segments.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string, unknown>)[segment];
  }
  const last = segments[segments.length - 1];
  if (typeof node === 'object' && node !== null && last !== undefined) {
    delete (node as Record<string, unknown>)[last];
  }
}
