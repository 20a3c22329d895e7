/**
 * The first-party proxy token (`tstoken`), byte-identical with upstream Trusted Server's, so signed
 * URLs that an upstream deployment wrote into creatives (and that caches still hold) keep working
 * after a publisher moves to this project.
 *
 * Upstream's construction, for a clear URL `full` and the publisher's `proxy_secret`:
 *
 *     key   = SHA-256(secret)
 *     nonce = SHA-256("ts-proxy-x1" ‖ secret ‖ full)[0..24]      deterministic: same URL, same token
 *     blob  = "x1" ‖ nonce ‖ XChaCha20-Poly1305(key, nonce, full)  (ciphertext ‖ 16-byte tag, no AAD)
 *     token = base64url(SHA-256(blob)), unpadded                   always 43 characters
 *
 * In effect a deterministic keyed digest, not HMAC; it is kept only for parity. The cipher is the
 * reason for `@noble/ciphers`: no WebCrypto platform offers XChaCha20. The digests are
 * `@noble/hashes`' rather than WebCrypto's: a token is three SHA-256 of ~100 bytes, and on Node
 * each `crypto.subtle.digest` is a thread-pool round trip of ~47 µs against ~1.7 µs in JavaScript
 * (measured, docs/performance.md), which made signing a creative's 30–60 URLs cost milliseconds.
 * Synchronous, so a rewriter can sign an element's URLs without pausing the document.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../bytes/byte-arrays.ts';
import type { Secret } from '../settings/secret.ts';
import { encodeBase64Url } from '../bytes/base64url.ts';
import { constantTimeEqual } from './constant-time.ts';

/** Length of every `tstoken`: 32 digest bytes in unpadded base64url. */
export const TOKEN_LENGTH = 43;

const encoder = new TextEncoder();
const NONCE_DOMAIN = encoder.encode('ts-proxy-x1');
const BLOB_PREFIX = encoder.encode('x1');
const NONCE_LENGTH = 24;

export interface ProxyTokenSigner {
  /** The `tstoken` of a clear URL (`tsurl` plus its form-encoded parameters), as upstream computes it. */
  token(full: string): Promise<string>;
  /** {@link ProxyTokenSigner.token}, synchronously. */
  tokenSync(full: string): string;
  /** Whether `candidate` is the token of `full`, compared in constant time. */
  verify(full: string, candidate: string): Promise<boolean>;
  /**
   * Upstream's `encode_url`: the base64url of `"x1" ‖ nonce ‖ ciphertext`, the value the token is a
   * digest of. Production signs with {@link ProxyTokenSigner.token}; this exists to pin parity.
   */
  encodeUrl(full: string): Promise<string>;
}

/**
 * A signer bound to `publisher.proxy_secret`. The secret stays in this closure (never on a property
 * a log line could print); its key digest is computed once, on first use.
 */
export function createProxyTokenSigner(proxySecret: Secret): ProxyTokenSigner {
  const secret = encoder.encode(proxySecret.reveal());
  let key: Uint8Array | undefined;

  function blob(full: string): Uint8Array {
    key ??= sha256(secret);
    const plaintext = encoder.encode(full);
    const nonce = sha256(concatBytes([NONCE_DOMAIN, secret, plaintext])).subarray(0, NONCE_LENGTH);
    const sealed = xchacha20poly1305(key, nonce).encrypt(plaintext);
    return concatBytes([BLOB_PREFIX, nonce, sealed]);
  }

  const tokenSync = (full: string): string => encodeBase64Url(sha256(blob(full)));

  return {
    token: (full) => settle(() => tokenSync(full)),
    tokenSync,
    verify: (full, candidate) => settle(() => constantTimeEqual(tokenSync(full), candidate)),
    encodeUrl: (full) => settle(() => encodeBase64Url(blob(full))),
  };
}

/** A synchronous result as a promise; a throw becomes a rejection, as the async API promises. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
