/**
 * Where a configuration keeps its secrets, and the names adapters give them: found by walking
 * the validated settings for {@link Secret} values, so a secret field added to the schema later
 * is covered everywhere (kept out of edge bundles, read from the platform's secret store).
 */
import { ENV_PREFIX } from './env-overrides.ts';
import { Secret } from './secret.ts';

export type KeyPath = ReadonlyArray<string | number>;

/** The key as config errors print it: `publisher.proxy_secret`, `handlers[0].password`. */
export function keyName(path: KeyPath): string {
  return path.reduce<string>(
    (key, part) => (typeof part === 'number' ? `${key}[${part}]` : key ? `${key}.${part}` : part),
    '',
  );
}

/** The key's environment-override name: `TRUSTED_SERVER__HANDLERS__0__PASSWORD`. */
export function envNameOf(path: KeyPath): string {
  return `${ENV_PREFIX}${path.map(String).join('__')}`.toUpperCase();
}

/** Every secret in `settings` with its path, in document order. */
export function secretEntries(settings: unknown): Array<{ path: KeyPath; secret: Secret }> {
  const found: Array<{ path: KeyPath; secret: Secret }> = [];
  const walk = (value: unknown, path: KeyPath): void => {
    if (value instanceof Secret) found.push({ path, secret: value });
    else if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...path, index]));
    else if (typeof value === 'object' && value !== null && !(value instanceof RegExp)) {
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
    }
  };
  walk(settings, []);
  return found;
}

/** The path of every secret in `settings`, in document order. */
export function secretPaths(settings: unknown): KeyPath[] {
  return secretEntries(settings).map((entry) => entry.path);
}
