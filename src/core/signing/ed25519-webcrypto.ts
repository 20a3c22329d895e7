/** Ed25519 through WebCrypto (Node ≥ 18.4, Cloudflare Workers). */

import { decodeBase64Url } from './base64.ts';
import type { Ed25519Backend, Ed25519KeyPair } from './ed25519-backend.ts';

/** Spelled from the global so lint and tsc resolve it without the DOM library. */
type Subtle = typeof crypto.subtle;

const ALGORITHM = { name: 'Ed25519' } as const;

/**
 * WebCrypto imports an Ed25519 private key as PKCS#8, not as a bare seed: this fixed DER header
 * (SEQUENCE, version 0, OID 1.3.101.112, OCTET STRING of 32 bytes) followed by the seed is one.
 */
const PKCS8_SEED_HEADER = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);

function pkcs8OfSeed(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  const der = new Uint8Array(PKCS8_SEED_HEADER.length + seed.length);
  der.set(PKCS8_SEED_HEADER);
  der.set(seed, PKCS8_SEED_HEADER.length);
  return der;
}

function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

async function keyPairFromSeed(subtle: Subtle, seed: Uint8Array): Promise<Ed25519KeyPair> {
  const pkcs8 = pkcs8OfSeed(seed);
  // Exportable only for the moment it takes to read the public half out of it; the key that signs
  // is imported again below as non-extractable.
  const extractable = await subtle.importKey('pkcs8', pkcs8, ALGORITHM, true, ['sign']);
  const jwk = await subtle.exportKey('jwk', extractable);
  const publicKey = jwk.x === undefined ? undefined : decodeBase64Url(jwk.x);
  if (publicKey === undefined) throw new Error('WebCrypto exported an Ed25519 key without x');
  const privateKey = await subtle.importKey('pkcs8', pkcs8, ALGORITHM, false, ['sign']);
  pkcs8.fill(0);
  return {
    publicKey,
    sign: async (message) =>
      new Uint8Array(await subtle.sign(ALGORITHM, privateKey, copy(message))),
  };
}

async function verify(
  subtle: Subtle,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  try {
    const key = await subtle.importKey('raw', copy(publicKey), ALGORITHM, false, ['verify']);
    return await subtle.verify(ALGORITHM, key, copy(signature), copy(message));
  } catch {
    // A public key that is not a curve point: nothing verifies against it.
    return false;
  }
}

export function webCryptoEd25519(subtle: Subtle = crypto.subtle): Ed25519Backend {
  return {
    name: 'webcrypto',
    keyPairFromSeed: (seed) => keyPairFromSeed(subtle, seed),
    verify: (publicKey, message, signature) => verify(subtle, publicKey, message, signature),
  };
}
