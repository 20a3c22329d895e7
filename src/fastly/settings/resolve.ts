/**
 * Completes the embedded configuration at run time: secrets from the Secret Store and the allowed
 * Config Store overrides go in as `TRUSTED_SERVER__…` values and the whole is validated by the
 * project's own schema, so a bad Config Store value fails exactly as a bad environment variable
 * would, naming its key. Runs once per sandbox, not per request; no TOML is parsed here.
 */
import { envOverrideTree, mergeOverrides } from '../../core/settings/env-overrides.ts';
import { ConfigError, deepFreeze } from '../../core/settings/load-settings.ts';
import { placeholderSecretKeys } from '../../core/settings/placeholders.ts';
import { ParseContext, type Issue } from '../../core/settings/schema.ts';
import { settingsSchema, type Settings } from '../../core/settings/settings-schema.ts';
import type { EmbeddedSettings } from './embedded.ts';

export interface RuntimeValues {
  /** Secret Store key → value; a missing key is absent (or null). */
  secrets: ReadonlyMap<string, string | null>;
  /** Config Store key → value, for the keys that are set. */
  config: Readonly<Record<string, string>>;
}

export function resolveSettings(embedded: EmbeddedSettings, values: RuntimeValues): Settings {
  const where = new Map<string, string>();
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(embedded.buildOverrides)) {
    env[name] = value;
    where.set(name, `${name} at build time`);
  }
  const allowed = new Set(embedded.configKeys);
  for (const [key, value] of Object.entries(values.config)) {
    if (!allowed.has(key)) continue;
    env[key] = value;
    where.set(key, `Config Store "${embedded.stores.config}" key ${key}`);
  }
  const missing: string[] = [];
  for (const slot of embedded.secrets) {
    const value = values.secrets.get(slot.storeKey);
    if (value === undefined || value === null || value === '') {
      missing.push(
        `${slot.path}: missing from Secret Store "${embedded.stores.secrets}" (key "${slot.storeKey}")`,
      );
      continue;
    }
    env[slot.envName] = value;
    where.set(slot.envName, `Secret Store "${embedded.stores.secrets}" key "${slot.storeKey}"`);
  }
  if (missing.length > 0) throw new ConfigError(embedded.source, missing);

  let merged: unknown;
  try {
    merged = mergeOverrides(structuredClone(embedded.document), envOverrideTree(env));
  } catch (error) {
    throw new ConfigError(embedded.source, [(error as Error).message]);
  }
  const ctx = new ParseContext();
  const settings = settingsSchema.parse(merged, '', ctx);
  if (settings === undefined || ctx.issues.length > 0) {
    throw new ConfigError(
      embedded.source,
      ctx.issues.map((issue) => describe(issue, where)),
    );
  }
  if (!embedded.allowPlaceholderSecrets) {
    const placeholders = placeholderSecretKeys(settings);
    if (placeholders.length > 0) {
      throw new ConfigError(
        embedded.source,
        placeholders.map(
          (path) =>
            `${path}: the Secret Store holds a sample placeholder; set a real secret (or build with --dev)`,
        ),
      );
    }
  }
  return deepFreeze(settings);
}

function describe(issue: Issue, where: ReadonlyMap<string, string>): string {
  const origin = issue.variable === undefined ? undefined : where.get(issue.variable);
  return origin === undefined
    ? `${issue.path}: ${issue.message}`
    : `${issue.path} (from ${origin}): ${issue.message}`;
}
