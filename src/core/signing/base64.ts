/**
 * The two strict base64 spellings request signing uses. Strict like upstream's decoders: the
 * standard form needs its `=` padding, the URL-safe form must have none, and neither accepts
 * whitespace or leftover bits in the last character, so one byte string has exactly one spelling.
 */

import { encodeBase64Url } from '../bytes/base64url.ts';

const STANDARD_PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_SAFE_UNPADDED = /^[A-Za-z0-9_-]*$/;

function bytesOfBinary(binary: string): Uint8Array {
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export { encodeBase64Url };

/** Undefined unless `text` is canonical, padded, standard-alphabet base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!STANDARD_PADDED.test(text)) return undefined;
  const bytes = bytesOfBinary(atob(text));
  // atob ignores bits left over in the last character; a canonical spelling has none.
  return encodeBase64(bytes) === text ? bytes : undefined;
}

/** Undefined unless `text` is canonical, unpadded, URL-safe base64. */
export function decodeBase64Url(text: string): Uint8Array | undefined {
  // A length of 1 mod 4 cannot come from any byte string.
  if (!URL_SAFE_UNPADDED.test(text) || text.length % 4 === 1) return undefined;
  const standard = text.replaceAll('-', '+').replaceAll('_', '/');
  const bytes = bytesOfBinary(atob(standard));
  return encodeBase64Url(bytes) === text ? bytes : undefined;
}
