/**
 * A second opinion on every signature: node:crypto (OpenSSL), which shares no code with either
 * backend under test.
 */
import { createPublicKey, verify } from 'node:crypto';

export function opensslVerifies(
  xBase64Url: string,
  payload: string,
  signatureBase64Url: string,
): boolean {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: xBase64Url },
    format: 'jwk',
  });
  return verify(
    null,
    Buffer.from(payload, 'utf8'),
    key,
    Buffer.from(signatureBase64Url, 'base64url'),
  );
}
