/**
 * Ed25519 request signatures: a signer from a stored seed, and verification of a signature text.
 * The implementation is chosen once per process: WebCrypto when the runtime can sign Ed25519 with
 * it, else `@noble/ed25519`. Callers (and tests) may pass a backend to force one.
 */

import { TsError } from '../errors.ts';
import { decodeBase64, decodeBase64Url, encodeBase64Url } from './base64.ts';
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SEED_BYTES,
  ED25519_SIGNATURE_BYTES,
  type Ed25519Backend,
} from './ed25519-backend.ts';
import { nobleEd25519 } from './ed25519-noble.ts';
import { webCryptoEd25519 } from './ed25519-webcrypto.ts';

const encoder = new TextEncoder();

/**
 * WebCrypto when it can really sign: Fastly's SubtleCrypto exists but has no Ed25519, and the only
 * dependable test is to try. The probe key is all zeroes and signs nothing that leaves here.
 */
export async function detectEd25519Backend(
  subtle: typeof crypto.subtle | undefined = globalThis.crypto?.subtle,
): Promise<Ed25519Backend> {
  if (subtle === undefined) return nobleEd25519;
  const webCrypto = webCryptoEd25519(subtle);
  try {
    const probe = await webCrypto.keyPairFromSeed(new Uint8Array(ED25519_SEED_BYTES));
    const signature = await probe.sign(new Uint8Array());
    if (signature.byteLength === ED25519_SIGNATURE_BYTES) return webCrypto;
  } catch {
    // Not supported: fall through.
  }
  return nobleEd25519;
}

let detected: Promise<Ed25519Backend> | undefined;

/** The backend this runtime uses, detected on first use. */
export function defaultEd25519Backend(): Promise<Ed25519Backend> {
  detected ??= detectEd25519Backend();
  return detected;
}

/** The seed's bytes, or what is wrong with its text (a phrase that follows its name). */
function readSeed(seedBase64: string): Uint8Array | string {
  const seed = decodeBase64(seedBase64);
  if (seed === undefined) {
    const hint = /\s/.test(seedBase64) ? ' (it contains whitespace, e.g. a trailing newline)' : '';
    return `is not valid standard base64${hint}`;
  }
  if (seed.byteLength !== ED25519_SEED_BYTES) {
    seed.fill(0);
    return `must decode to ${ED25519_SEED_BYTES} bytes, got ${seed.byteLength}`;
  }
  return seed;
}

/**
 * What is wrong with a seed an operator hands over (`keys import`), as a phrase to follow its
 * name (`--seed must decode to 32 bytes, got 5`); undefined when it is a valid seed: standard
 * base64 of exactly 32 bytes, as upstream stores it.
 */
export function seedProblem(seedBase64: string): string | undefined {
  const seed = readSeed(seedBase64);
  if (typeof seed === 'string') return seed;
  seed.fill(0);
  return undefined;
}

/**
 * A signing seed as stored (`signing_keys[kid]`). Throws `configuration`: a bad value is corrupt
 * key material in the operator's secret store.
 */
export function decodeSigningSeed(seedBase64: string): Uint8Array {
  const seed = readSeed(seedBase64);
  if (typeof seed === 'string') {
    throw new TsError(
      'configuration',
      `signing key ${seed}: corrupt key material in the secret store`,
    );
  }
  return seed;
}

export interface Ed25519Signer {
  /** The 32-byte public key, for the JWK. */
  readonly publicKey: Uint8Array;
  /** The signature of `payload` (a string is signed as UTF-8), base64url without padding. */
  sign(payload: string | Uint8Array): Promise<string>;
}

function bytesOf(payload: string | Uint8Array): Uint8Array {
  return typeof payload === 'string' ? encoder.encode(payload) : payload;
}

export async function createEd25519Signer(
  seedBase64: string,
  backend?: Ed25519Backend,
): Promise<Ed25519Signer> {
  const seed = decodeSigningSeed(seedBase64);
  const keyPair = await (backend ?? (await defaultEd25519Backend())).keyPairFromSeed(seed);
  seed.fill(0);
  return {
    publicKey: keyPair.publicKey,
    sign: async (payload) => encodeBase64Url(await keyPair.sign(bytesOf(payload))),
  };
}

/**
 * Signature text as a verifier may send it: base64url without padding (what we emit) or standard
 * base64 with padding. Throws `bad_request` when it is neither, or not 64 bytes.
 */
export function decodeSignature(signature: string): Uint8Array {
  const bytes = decodeBase64Url(signature) ?? decodeBase64(signature);
  if (bytes === undefined) {
    throw new TsError('bad_request', 'signature is neither base64url nor standard base64', {
      publicMessage: 'Bad request: signature is not base64',
    });
  }
  if (bytes.byteLength !== ED25519_SIGNATURE_BYTES) {
    throw new TsError(
      'bad_request',
      `signature must be ${ED25519_SIGNATURE_BYTES} bytes, got ${bytes.byteLength}`,
      { publicMessage: `Bad request: signature must be ${ED25519_SIGNATURE_BYTES} bytes` },
    );
  }
  return bytes;
}

/**
 * Whether `signature` (see `decodeSignature`) signs `payload` under `publicKey`. A malformed
 * signature throws `bad_request`; a public key of the wrong length throws `configuration` (it came
 * from our own JWK store); a well-formed signature that does not match is `false`.
 */
export async function verifyEd25519Signature(
  publicKey: Uint8Array,
  payload: string | Uint8Array,
  signature: string,
  backend?: Ed25519Backend,
): Promise<boolean> {
  if (publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) {
    throw new TsError(
      'configuration',
      `Ed25519 public key must be ${ED25519_PUBLIC_KEY_BYTES} bytes, got ${publicKey.byteLength}`,
    );
  }
  const signatureBytes = decodeSignature(signature);
  const chosen = backend ?? (await defaultEd25519Backend());
  return chosen.verify(publicKey, bytesOf(payload), signatureBytes);
}
