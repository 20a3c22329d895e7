/**
 * Unpadded base64url (RFC 4648 §5): first-party tokens, Ed25519 signatures and JWK `x` values.
 * Written out because `Uint8Array.prototype.toBase64` is not on every platform the core runs on,
 * and faster than `btoa` plus three replacements on the token's hot path.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function encodeBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += sextet(n >> 18) + sextet(n >> 12) + sextet(n >> 6) + sextet(n);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += sextet(n >> 18) + sextet(n >> 12);
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += sextet(n >> 18) + sextet(n >> 12) + sextet(n >> 6);
  }
  return out;
}

function sextet(n: number): string {
  return ALPHABET[n & 63] as string;
}
