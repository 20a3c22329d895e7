/**
 * One Ed25519 interface over two implementations: the runtime's WebCrypto where it has Ed25519
 * (Node, Workers) and a pure-JS one where it does not (Fastly). Both are deterministic (RFC 8032),
 * so the same seed and message give the same signature bytes whichever one runs.
 */

export type Ed25519BackendName = 'webcrypto' | 'noble';

/** A private key loaded once, with the public key it derives. */
export interface Ed25519KeyPair {
  /** 32 bytes. */
  readonly publicKey: Uint8Array;
  /** 64 signature bytes. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export interface Ed25519Backend {
  readonly name: Ed25519BackendName;
  /** `seed` is the 32-byte RFC 8032 private key. */
  keyPairFromSeed(seed: Uint8Array): Promise<Ed25519KeyPair>;
  /**
   * False for any signature that does not verify, including one no valid key could produce.
   * `publicKey` is 32 bytes and `signature` 64; callers check lengths first.
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

export const ED25519_SEED_BYTES = 32;
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
