/**
 * Secrets that ship in sample configs. A server started with one of them is not secure; `serve`
 * refuses them unless it runs with `--dev`. Only key paths are reported, never values.
 */
import type { Settings } from './settings-schema.ts';

const PROXY_SECRET_PLACEHOLDERS = new Set(['change-me-proxy-secret', 'proxy-secret']);
const SECRET_KEY_PLACEHOLDERS = new Set([
  'secret-key',
  'secret_key',
  'trusted-server',
  'trusted-server-placeholder-secret',
]);
const PASSWORD_PLACEHOLDERS = new Set([
  'replace-with-admin-password',
  'replace-with-admin-password-32-bytes',
  'change-me-admin-password',
  'pass',
  'password',
]);

export function placeholderSecretKeys(settings: Settings): string[] {
  const found: string[] = [];
  if (PROXY_SECRET_PLACEHOLDERS.has(settings.publisher.proxy_secret.reveal())) {
    found.push('publisher.proxy_secret');
  }
  if (SECRET_KEY_PLACEHOLDERS.has(settings.synthetic.secret_key.reveal())) {
    found.push('synthetic.secret_key');
  }
  settings.handlers.forEach((handler, index) => {
    if (PASSWORD_PLACEHOLDERS.has(handler.password.reveal())) {
      found.push(`handlers[${index}].password`);
    }
  });
  return found;
}

/** Every secret value in the settings, so loggers can scrub them from any line. */
export function secretValues(settings: Settings): string[] {
  return [
    settings.publisher.proxy_secret.reveal(),
    settings.synthetic.secret_key.reveal(),
    ...settings.handlers.map((handler) => handler.password.reveal()),
  ];
}

/** The resolved settings as pretty JSON: secrets print as `[redacted]`, regexes as their source. */
export function describeSettings(settings: Settings): string {
  return JSON.stringify(
    settings,
    (_key, value: unknown) => (value instanceof RegExp ? value.source : value),
    2,
  );
}
