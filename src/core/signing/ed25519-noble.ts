/**
 * Ed25519 in pure JS (`@noble/ed25519`), for runtimes whose WebCrypto lacks it (Fastly Compute).
 * Its async API hashes with WebCrypto SHA-512, which every target has.
 */

import * as noble from '@noble/ed25519';

import type { Ed25519Backend } from './ed25519-backend.ts';

// RFC 8032 verification (not ZIP-215's more lenient rules), which is what ed25519-dalek upstream
// and the WebCrypto backend apply, so both backends accept the same signatures.
const VERIFY_OPTIONS = { zip215: false } as const;

export const nobleEd25519: Ed25519Backend = {
  name: 'noble',
  async keyPairFromSeed(seed) {
    const secretKey = Uint8Array.from(seed);
    const publicKey = await noble.getPublicKeyAsync(secretKey);
    return { publicKey, sign: (message) => noble.signAsync(message, secretKey) };
  },
  async verify(publicKey, message, signature) {
    try {
      return await noble.verifyAsync(signature, message, publicKey, VERIFY_OPTIONS);
    } catch {
      return false;
    }
  },
};
