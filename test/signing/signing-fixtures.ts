/**
 * What the signing HTTP tests share: a config with signing on and an admin handler, a second key
 * whose seed the test knows (so node:crypto, not the code under test, can sign with it), and
 * helpers to call the endpoints.
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { PASSWORD, testSettings } from '../helpers/settings.ts';
import type { Settings } from '../../src/core/settings/settings-schema.ts';

export const ADMIN_AUTH = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;

/** A second key: 32 bytes of 0x2a, standard base64. */
export const SECOND_KID = 'imported-b';
export const SECOND_SEED = Buffer.alloc(32, 0x2a).toString('base64');

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** node:crypto's signature of `payload` under a standard-base64 seed, base64url. */
export function opensslSign(seedBase64: string, payload: string): string {
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seedBase64, 'base64')]),
    format: 'der',
    type: 'pkcs8',
  });
  return sign(null, Buffer.from(payload, 'utf8'), key).toString('base64url');
}

/** node:crypto's public `x` for a seed. */
export function opensslX(seedBase64: string): string {
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seedBase64, 'base64')]),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return String(jwk.x);
}

export function signingToml(store: string, extra = ''): string {
  return `${store}
[request_signing]
enabled = true
${extra}
[[handlers]]
path = "^/_ts/admin"
username = "admin"
password = "${PASSWORD}"
`;
}

export function signingSettings(store: string, extra = '', originUrl?: string): Settings {
  return testSettings(originUrl, signingToml(store, extra));
}

export async function post(
  base: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string> = { authorization: ADMIN_AUTH },
): Promise<{ status: number; text: string; json: () => Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}
