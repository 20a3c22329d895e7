/**
 * Run time, both edges: the embedded configuration plus the platform's secrets (and, on Fastly,
 * its Config Store overrides) → validated, frozen {@link Settings}. Every late value goes in as
 * its `TRUSTED_SERVER__…` override and the whole is validated by the project's schema, so a bad
 * value fails exactly as a bad environment variable would, naming its key and where it came from.
 * Then the one placeholder-secret policy decides. Runs once per app build, not per request; no
 * TOML is parsed here.
 */
import { envOverrideTree, mergeOverrides } from '../core/settings/env-overrides.ts';
import { ConfigError } from '../core/settings/config-error.ts';
import { deepFreeze } from '../core/settings/deep-freeze.ts';
import { placeholderPolicy } from '../core/settings/placeholder-policy.ts';
import { ParseContext, type Issue } from '../core/settings/schema.ts';
import { settingsSchema, type Settings } from '../core/settings/settings-schema.ts';
import type { EmbeddedSettings, SecretSlot } from './embedded-settings.ts';

/** Where a platform keeps the secrets: Worker secrets, the Fastly Secret Store. */
export interface SecretSource {
  /** The slot's value; undefined, null or empty when it is not set. */
  read(slot: SecretSlot): string | null | undefined;
  /** Where the value is looked for and how to set it, for the "missing" message. */
  describe(slot: SecretSlot): string;
}

/** Non-secret overrides read at run time (Fastly's Config Store), already limited to allowed keys. */
export interface RunTimeOverrides {
  values: Readonly<Record<string, string>>;
  describe(name: string): string;
}

export interface RevivedSettings {
  settings: Settings;
  /** The development-build warning when placeholders were accepted; log it once per build. */
  warning?: string;
}

export function reviveSettings(
  embedded: EmbeddedSettings,
  secrets: SecretSource,
  overrides?: RunTimeOverrides,
): RevivedSettings {
  const where = new Map<string, string>();
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(embedded.buildOverrides)) {
    env[name] = value;
    where.set(name, `${name} at build time`);
  }
  for (const [name, value] of Object.entries(overrides?.values ?? {})) {
    env[name] = value;
    where.set(name, overrides?.describe(name) ?? name);
  }
  const missing: string[] = [];
  for (const slot of embedded.secrets) {
    const value = secrets.read(slot);
    if (value === undefined || value === null || value === '') {
      missing.push(`${slot.key}: missing from ${secrets.describe(slot)}`);
      continue;
    }
    env[slot.envName] = value;
    where.set(slot.envName, secrets.describe(slot));
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
  const policy = placeholderPolicy(settings, embedded.allowPlaceholderSecrets);
  if (policy.verdict === 'refused') throw new ConfigError(embedded.source, [policy.message]);
  const frozen = deepFreeze(settings);
  return policy.verdict === 'allowed'
    ? { settings: frozen, warning: policy.message }
    : { settings: frozen };
}

function describe(issue: Issue, where: ReadonlyMap<string, string>): string {
  const origin = issue.variable === undefined ? undefined : where.get(issue.variable);
  return origin === undefined
    ? `${issue.path}: ${issue.message}`
    : `${issue.path} (from ${origin}): ${issue.message}`;
}
