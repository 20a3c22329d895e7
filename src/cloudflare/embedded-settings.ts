/**
 * Settings resolved at build time and embedded in the Worker bundle as JSON, so the Worker never
 * parses TOML or re-validates; only secrets are filled in at run time, from Worker secrets.
 *
 * A secret config key is never embedded: its place holds the name of the Worker secret that
 * supplies it — the key's `TRUSTED_SERVER__…` environment-override name (`publisher.proxy_secret`
 * → `TRUSTED_SERVER__PUBLISHER__PROXY_SECRET`, `handlers[0].password` →
 * `TRUSTED_SERVER__HANDLERS__0__PASSWORD`), the same name the Node adapter reads from its
 * environment. Regexes travel as source and flags.
 */
import { envNameOf, keyName, type KeyPath } from '../core/settings/secret-keys.ts';
import { Secret } from '../core/settings/secret.ts';
import type { Settings } from '../core/settings/settings-schema.ts';

export interface EmbeddedConfig {
  /** The settings as JSON, secrets replaced by `{ "$secret": NAME }`, regexes by `{ "$regexp": … }`. */
  settings: unknown;
  /** Config key → Worker secret name, for every secret key. */
  secrets: ReadonlyArray<{ key: string; name: string }>;
  /** Built by `trusted-server dev` or `build --dev`: sample secrets are allowed (and warned about). */
  dev: boolean;
}

type Path = KeyPath;

/** Build side: settings → embeddable JSON value, with the secret keys found on the way. */
export function embedSettings(settings: Settings, dev: boolean): EmbeddedConfig {
  const secrets: Array<{ key: string; name: string }> = [];
  const walk = (value: unknown, path: Path): unknown => {
    if (value instanceof Secret) {
      const name = envNameOf(path); // the Worker secret's name
      secrets.push({ key: keyName(path), name });
      return { $secret: name };
    }
    if (value instanceof RegExp) return { $regexp: [value.source, value.flags] };
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, entry] of Object.entries(value)) {
        if (entry !== undefined) out[key] = walk(entry, [...path, key]);
      }
      return out;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return value;
    }
    throw new Error(`${keyName(path)}: cannot embed a ${typeof value} in the Worker bundle`);
  };
  return { settings: walk(settings, []), secrets, dev };
}

export class MissingSecretsError extends Error {
  readonly missing: ReadonlyArray<{ key: string; name: string }>;
  constructor(missing: ReadonlyArray<{ key: string; name: string }>) {
    super(
      `Worker secrets not set: ${missing.map(({ key, name }) => `${name} (config key ${key})`).join(', ')}; ` +
        `set each with \`wrangler secret put NAME\``,
    );
    this.name = 'MissingSecretsError';
    this.missing = missing;
  }
}

/** Run side: the embedded JSON plus the Worker's env → frozen {@link Settings}. */
export function reviveSettings(
  embedded: EmbeddedConfig,
  env: Readonly<Record<string, unknown>>,
): Settings {
  const missing = embedded.secrets.filter(({ name }) => typeof env[name] !== 'string');
  if (missing.length > 0) throw new MissingSecretsError(missing);
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return Object.freeze(value.map(walk));
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    if (typeof record['$secret'] === 'string') {
      return new Secret(env[record['$secret']] as string);
    }
    const regexp = record['$regexp'];
    if (Array.isArray(regexp)) return new RegExp(String(regexp[0]), String(regexp[1]));
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(record)) out[key] = walk(entry);
    return Object.freeze(out);
  };
  return walk(embedded.settings) as Settings;
}
