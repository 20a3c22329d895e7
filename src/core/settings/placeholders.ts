/**
 * Secrets that ship in sample configs, and well-known weak handler passwords. A server started
 * with one of them is not secure; `serve`, the Worker and the Fastly package refuse them unless
 * run or built with `--dev`. Only key paths are reported, never values.
 *
 * Upstream HEAD's lists, compared as upstream does (trimmed, ignoring case), plus the port's
 * earlier `pass`. Upstream refuses weak handler passwords even in development, which makes its
 * own sample config unloadable; here they are refused like every other placeholder, so the sample
 * still runs under `--dev`.
 */
import { secretEntries } from './secret-keys.ts';
import type { Secret } from './secret.ts';
import type { Settings } from './settings-schema.ts';

const PROXY_SECRET_PLACEHOLDERS = ['change-me-proxy-secret', 'proxy-secret'];
const PASSPHRASE_PLACEHOLDERS = [
  'secret-key',
  'secret_key',
  'trusted-server',
  'trusted-server-placeholder-secret',
];
const API_TOKEN_PLACEHOLDERS = [
  'partner-api-token-32-bytes-minimum',
  'replace-with-partner-api-token-32-bytes-minimum',
  'sharedid-internal-token-32-bytes',
  'inttest-api-key-1-32-bytes-minimum',
  'inttest2-api-key-2-32-bytes-minimum',
];
/** Sample passwords, and the weak ones upstream refuses on every handler. */
const PASSWORD_PLACEHOLDERS = [
  'replace-with-admin-password-32-bytes',
  'replace-with-admin-password',
  'change-me-admin-password',
  'changeme',
  'password',
  'admin',
  'pass',
];

function matches(secret: Secret, placeholders: readonly string[]): boolean {
  const value = secret.reveal().trim().toLowerCase();
  return placeholders.includes(value);
}

export function placeholderSecretKeys(settings: Settings): string[] {
  const found: string[] = [];
  if (matches(settings.publisher.proxy_secret, PROXY_SECRET_PLACEHOLDERS)) {
    found.push('publisher.proxy_secret');
  }
  if (matches(settings.ec.passphrase, PASSPHRASE_PLACEHOLDERS)) found.push('ec.passphrase');
  settings.ec.partners.forEach((partner, index) => {
    if (matches(partner.api_token, API_TOKEN_PLACEHOLDERS)) {
      found.push(`ec.partners[${index}].api_token`);
    }
  });
  settings.handlers.forEach((handler, index) => {
    if (matches(handler.password, PASSWORD_PLACEHOLDERS)) {
      found.push(`handlers[${index}].password`);
    }
  });
  return found;
}

/** Every secret value in the settings, so loggers can scrub them from any line. */
export function secretValues(settings: Settings): string[] {
  return secretEntries(settings).map((entry) => entry.secret.reveal());
}

/** The resolved settings as pretty JSON: secrets print as `[redacted]`, regexes as their source. */
export function describeSettings(settings: Settings): string {
  return JSON.stringify(
    settings,
    (_key, value: unknown) => (value instanceof RegExp ? value.source : value),
    2,
  );
}
