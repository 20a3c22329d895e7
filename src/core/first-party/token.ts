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
 * reason for `@noble/ciphers`: no WebCrypto platform offers XChaCha20. The hashes are WebCrypto's,
 * which is why everything here is asynchronous.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { Secret } from '../settings/secret.ts';
import { base64UrlEncode } from './base64url.ts';
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
  let key: Promise<Uint8Array> | undefined;

  async function blob(full: string): Promise<Uint8Array<ArrayBuffer>> {
    key ??= sha256(secret);
    const plaintext = encoder.encode(full);
    const nonce = (await sha256(concat(NONCE_DOMAIN, secret, plaintext))).subarray(0, NONCE_LENGTH);
    const sealed = xchacha20poly1305(await key, nonce).encrypt(plaintext);
    return concat(BLOB_PREFIX, nonce, sealed);
  }

  async function token(full: string): Promise<string> {
    return base64UrlEncode(await sha256(await blob(full)));
  }

  return {
    token,
    verify: async (full, candidate) => constantTimeEqual(await token(full), candidate),
    encodeUrl: async (full) => base64UrlEncode(await blob(full)),
  };
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
