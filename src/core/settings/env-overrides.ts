/**
 * `TRUSTED_SERVER__SECTION__KEY=value` overrides, merged over the TOML document before validation.
 *
 * - Names are case-insensitive and `__` separates levels: `TRUSTED_SERVER__PUBLISHER__ORIGIN_URL`.
 * - Values stay strings (wrapped in {@link EnvValue}); the schema coerces them by the target type,
 *   so `"true"` becomes a boolean only where a boolean is expected.
 * - Arrays: a JSON array (`'["a","b"]'`), a comma list (`a,b`), or indexed keys (`…__0=a`).
 *   Indexed keys merge into the file's array element by element, so
 *   `TRUSTED_SERVER__HANDLERS__0__PASSWORD` replaces only that handler's password.
 * - Tables with free keys (`response_headers`): a JSON object, which keeps case and hyphens.
 */
import { EnvValue, isPlainObject } from './schema.ts';

export const ENV_PREFIX = 'TRUSTED_SERVER__';

export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Builds the override tree from the environment (sorted, so the result is deterministic). */
export function envOverrideTree(env: EnvSource): Record<string, unknown> {
  const tree: Record<string, unknown> = {};
  const names = Object.keys(env)
    .filter((name) => name.toUpperCase().startsWith(ENV_PREFIX))
    .sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    const segments = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    if (segments.some((segment) => segment === '')) {
      throw new Error(`${name}: empty path segment (use "__" only between key names)`);
    }
    let node = tree;
    for (const segment of segments.slice(0, -1)) {
      const next = node[segment];
      if (next instanceof EnvValue) {
        throw new Error(`${name}: conflicts with ${next.variable}, which sets the whole value`);
      }
      if (!isPlainObject(next)) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    const leaf = segments[segments.length - 1] as string;
    if (isPlainObject(node[leaf])) {
      throw new Error(`${name}: conflicts with other variables that set keys inside it`);
    }
    node[leaf] = new EnvValue(raw, name);
  }
  return tree;
}

/** Deep-merges the env tree over the parsed TOML document; env wins. */
export function mergeOverrides(base: unknown, override: unknown): unknown {
  if (override instanceof EnvValue || !isPlainObject(override)) return override;
  if (Array.isArray(base)) {
    const merged: unknown[] = [...(base as unknown[])];
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(override)) {
      if (/^\d+$/.test(key) && Number(key) <= merged.length) {
        merged[Number(key)] = mergeOverrides(merged[Number(key)], value);
      } else extra[key] = value;
    }
    // Keys that are not a next index are left for the schema to report.
    return Object.keys(extra).length === 0 ? merged : { ...toIndexed(merged), ...extra };
  }
  const merged: Record<string, unknown> = isPlainObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(override)) {
    merged[key] = mergeOverrides(merged[key], value);
  }
  return merged;
}

function toIndexed(items: unknown[]): Record<string, unknown> {
  return Object.fromEntries(items.map((item, index) => [String(index), item]));
}
