import { loadSettings } from '../../src/core/settings/load-settings.ts';
import type { Settings } from '../../src/core/settings/settings-schema.ts';

export const SECRET_PROXY = 'proxy-secret-for-tests-8d1f0c';
/** `[ec] passphrase`: upstream requires at least 32 bytes. */
export const EC_PASSPHRASE = 'ec-passphrase-for-tests-5a9e22c4d7f1b3';
export const PASSWORD = 'correct horse battery staple';

/** A basic-auth handler protecting `^/secure` as `editor` / {@link PASSWORD}. */
export const SECURE_HANDLER = `[[handlers]]
path = "^/secure"
username = "editor"
password = "${PASSWORD}"
`;

/** A minimal valid config; `extra` is appended as more TOML. */
export function baseToml(originUrl = 'http://127.0.0.1:9', extra = ''): string {
  return `[publisher]
domain = "www.publisher.test"
hosts = ["localhost", "127.0.0.1"]
cookie_domain = ".publisher.test"
origin_url = "${originUrl}"
proxy_secret = "${SECRET_PROXY}"

[ec]
passphrase = "${EC_PASSPHRASE}"
${extra}`;
}

export function testSettings(
  originUrl?: string,
  extra?: string,
  env: Record<string, string> = {},
): Settings {
  return loadSettings(baseToml(originUrl, extra), { source: 'test.toml', env });
}
