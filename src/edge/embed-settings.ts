/**
 * Build time, both edges: validates a config with the project's loader, checks it against the
 * adapter's list of settings it cannot honour, and produces the {@link EmbeddedSettings} the
 * package carries — with no secret value in it.
 */
import { parse as parseToml } from 'smol-toml';
import { ENV_PREFIX, type EnvSource } from '../core/settings/env-overrides.ts';
import { ConfigError, loadSettings } from '../core/settings/load-settings.ts';
import { envNameOf, keyName, secretPaths, type KeyPath } from '../core/settings/secret-keys.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import { findUnsupported, type UnsupportedSetting } from '../core/settings/unsupported-settings.ts';
import type { EmbeddedSettings, SecretSlot } from './embedded-settings.ts';

export interface EmbedOptions<Platform> {
  /** Name used in messages, usually the file path. */
  source: string;
  /** The build's environment: its `TRUSTED_SERVER__…` overrides are validated and embedded. */
  env: EnvSource;
  /** `--dev`: sample placeholder secrets are accepted at run time. */
  dev: boolean;
  /** The platform's name for the secret at `path`. */
  secretName(path: KeyPath): string;
  /** The adapter's one list of what it cannot honour. */
  unsupported: readonly UnsupportedSetting[];
  /** Checks of the platform's own build inputs (store names, secret names it accepts). */
  platformProblems?(slots: readonly SecretSlot[]): string[];
  platform: Platform;
}

export interface EmbedResult<Platform> {
  embedded: EmbeddedSettings<Platform>;
  settings: Settings;
  /** Keys accepted without effect yet, and what the platform honours differently. */
  warnings: string[];
}

export function embedSettings<Platform>(
  tomlText: string,
  options: EmbedOptions<Platform>,
): EmbedResult<Platform> {
  const warnings: string[] = [];
  const settings = loadSettings(tomlText, {
    source: options.source,
    env: options.env,
    onWarning: (warning) => warnings.push(warning),
  });
  const paths = secretPaths(settings);
  const slots: SecretSlot[] = paths.map((path) => ({
    key: keyName(path),
    name: options.secretName(path),
    envName: envNameOf(path),
  }));
  const unsupported = findUnsupported(options.unsupported, settings);
  warnings.push(...unsupported.warnings);
  const problems = [...unsupported.errors, ...(options.platformProblems?.(slots) ?? [])];
  const overrides = buildOverrides(options.env, slots, problems);
  if (problems.length > 0) throw new ConfigError(options.source, problems);

  // Parsed again (already validated above) to keep the document as written: the validated
  // settings have defaults filled in and secrets wrapped, and are not valid input themselves.
  const document = parseToml(tomlText) as Record<string, unknown>;
  for (const path of paths) deletePath(document, path);

  return {
    settings,
    warnings,
    embedded: {
      format: 2,
      source: options.source,
      document,
      buildOverrides: overrides,
      secrets: slots,
      allowPlaceholderSecrets: options.dev,
      platform: options.platform,
    },
  };
}

/** The build's `TRUSTED_SERVER__…` overrides, without secrets (the platform holds those). */
function buildOverrides(env: EnvSource, slots: readonly SecretSlot[], problems: string[]) {
  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const upper = name.toUpperCase();
    if (!upper.startsWith(ENV_PREFIX) || value === undefined) continue;
    if (slots.some((slot) => slot.envName === upper)) continue;
    const inside = slots.filter((slot) => slot.envName.startsWith(`${upper}__`));
    if (inside.length > 0) {
      problems.push(
        `${name}: sets a value that holds secrets (${inside.map((slot) => slot.key).join(', ')}); ` +
          "override the non-secret keys one by one and keep secrets in the platform's secret store",
      );
      continue;
    }
    overrides[upper] = value;
  }
  return overrides;
}

function deletePath(document: Record<string, unknown>, path: KeyPath): void {
  let node: unknown = document;
  for (const segment of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string | number, unknown>)[segment];
  }
  const last = path[path.length - 1];
  if (typeof node === 'object' && node !== null && last !== undefined) {
    delete (node as Record<string | number, unknown>)[last];
  }
}
