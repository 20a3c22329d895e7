/**
 * The signer under test with upstream's test secret, and a second implementation of the token
 * built on node:crypto (plus the cipher, which node:crypto lacks) to check it against.
 */
import { createHash } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { Secret } from '../../src/core/settings/secret.ts';
import { createProxyTokenSigner } from '../../src/core/first-party/token.ts';

/** `proxy_secret` in upstream's `test_support.rs`, the one the spec's vectors use. */
export const SECRET = 'unit-test-proxy-secret';

export const signer = createProxyTokenSigner(new Secret(SECRET));

export function independentToken(secret: string, full: string): string {
  const key = createHash('sha256').update(secret, 'utf8').digest();
  const nonce = createHash('sha256')
    .update('ts-proxy-x1')
    .update(secret, 'utf8')
    .update(full, 'utf8')
    .digest()
    .subarray(0, 24);
  const sealed = xchacha20poly1305(key, nonce).encrypt(Buffer.from(full, 'utf8'));
  return createHash('sha256').update('x1').update(nonce).update(sealed).digest('base64url');
}
