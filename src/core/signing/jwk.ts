/**
 * The public half of a signing key as partners fetch it: one JWK per kid (stored as JSON in
 * `jwks_store[kid]`) and the discovery document at `/.well-known/trusted-server.json` that lists
 * the active ones.
 */

import { TsError } from '../errors.ts';
import { decodeBase64Url, encodeBase64Url } from './base64.ts';
import { ED25519_PUBLIC_KEY_BYTES } from './ed25519-backend.ts';

export interface Ed25519PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  /** The 32-byte public key, base64url without padding. */
  readonly x: string;
  readonly alg: 'EdDSA';
  readonly kid: string;
}

/**
 * The JWK a rotation stores, in upstream's key order (`kty`, `crv`, `x`, `alg`, `kid`), so its JSON
 * is byte-identical. No `use`: upstream's generated keys carry none (its hand-written fixtures do).
 */
export function publicJwk(kid: string, publicKey: Uint8Array): Ed25519PublicJwk {
  if (publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) {
    throw new TsError(
      'internal',
      `Ed25519 public key must be 32 bytes, got ${publicKey.byteLength}`,
    );
  }
  return { kty: 'OKP', crv: 'Ed25519', x: encodeBase64Url(publicKey), alg: 'EdDSA', kid };
}

/** The stored form: compact JSON. */
export function serializeJwk(jwk: Ed25519PublicJwk): string {
  return JSON.stringify(jwk);
}

/**
 * The public key in a stored JWK. Only `x` is read, as upstream does, so hand-written entries with
 * extra members (`use`) or none of the optional ones still work. Throws `configuration`: the JWK
 * store is operator data.
 */
export function publicKeyOfStoredJwk(json: string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new TsError('configuration', 'stored JWK is not valid JSON');
  }
  const x =
    typeof parsed === 'object' && parsed !== null ? (parsed as { x?: unknown }).x : undefined;
  if (typeof x !== 'string') throw new TsError('configuration', "stored JWK has no string 'x'");
  const publicKey = decodeBase64Url(x);
  if (publicKey === undefined) {
    throw new TsError('configuration', "stored JWK 'x' is not base64url without padding");
  }
  if (publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) {
    throw new TsError(
      'configuration',
      `stored JWK 'x' must be 32 bytes, got ${publicKey.byteLength}`,
    );
  }
  return publicKey;
}

export const DISCOVERY_VERSION = '1.0';

/**
 * The discovery document body, `{"version":"1.0","jwks":{"keys":[…]}}`, pretty-printed with two
 * spaces as upstream serves it. `storedJwks` are the stored JSON texts of the active kids, in
 * `active-kids` order; each is re-emitted with its members in their stored order. Throws
 * `configuration` when one is not a JSON object (upstream answers 500 too).
 */
export function discoveryDocument(storedJwks: readonly string[]): string {
  const keys = storedJwks.map((json) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new TsError('configuration', 'stored JWK is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new TsError('configuration', 'stored JWK is not a JSON object');
    }
    return parsed;
  });
  return JSON.stringify({ version: DISCOVERY_VERSION, jwks: { keys } }, null, 2);
}
