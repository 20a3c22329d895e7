/**
 * `POST /verify-signature` (upstream HEAD): lets a partner check its verifier against ours. Once
 * the body parses, the answer is always 200 `{verified, kid, message, error?}`; the signature may
 * be base64url or standard base64, and any stored kid verifies, published or not, so a signature
 * made just before a deactivation can still be checked. Beyond upstream: with
 * `verify_max_age_secs`, a payload whose `ts` is too far from now is not verified.
 */
import { readBoundedBytes } from '../http/request-body.ts';
import { jsonResponse } from '../http/json-response.ts';
import { toTsError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { verifyEd25519Signature } from './ed25519.ts';
import type { Ed25519Backend } from './ed25519-backend.ts';
import { publicKeyOfStoredJwk } from './jwk.ts';
import { kidFormatProblem } from './kid.ts';
import type { KeyStore } from './keystore.ts';
import { parseVerifySignatureRequest, VERIFY_SIGNATURE_MAX_BODY_BYTES } from './signing-payload.ts';

export const VERIFY_SIGNATURE_PATH = '/verify-signature';

export interface VerifyOptions {
  /** `verify_max_age_secs`; undefined: any `ts` (upstream). */
  maxAgeSeconds: number | undefined;
  now: () => number;
  log: Logger;
  backend?: Ed25519Backend;
}

interface VerifyAnswer {
  verified: boolean;
  kid: string;
  message: string;
  error?: string;
}

/** The payload's `ts` (Unix ms), when it is a JSON object carrying a number there. */
function payloadTimestamp(payload: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(payload);
    const ts =
      typeof parsed === 'object' && parsed !== null ? (parsed as { ts?: unknown }).ts : undefined;
    return typeof ts === 'number' && Number.isFinite(ts) ? ts : undefined;
  } catch {
    return undefined;
  }
}

export function createVerifyHandler(
  keystore: KeyStore,
  options: VerifyOptions,
): (request: Request) => Promise<Response> {
  const failed = (kid: string, message: string, error: string): Response =>
    jsonResponse(200, { verified: false, kid, message, error } satisfies VerifyAnswer);

  return async (request) => {
    const body = await readBoundedBytes(
      request,
      VERIFY_SIGNATURE_MAX_BODY_BYTES,
      'verify-signature',
    );
    const { payload, signature, kid } = parseVerifySignatureRequest(body);
    const kidProblem = kidFormatProblem(kid);
    if (kidProblem !== undefined) return failed(kid, 'Verification error', kidProblem);
    const jwk = await keystore.jwk(kid);
    if (jwk === undefined) return failed(kid, 'Verification error', 'unknown kid');
    let verified: boolean;
    try {
      verified = await verifyEd25519Signature(
        publicKeyOfStoredJwk(jwk),
        payload,
        signature,
        options.backend,
      );
    } catch (thrown) {
      const error = toTsError(thrown);
      if (error.status >= 500) {
        options.log.warn('signing: stored key unusable for verification', {
          kid,
          code: error.code,
        });
        return failed(kid, 'Verification error', 'internal verification error');
      }
      return failed(kid, 'Verification error', error.message);
    }
    if (!verified) return failed(kid, 'Signature verification failed', 'Invalid signature');
    if (options.maxAgeSeconds !== undefined) {
      const ts = payloadTimestamp(payload);
      const windowMs = options.maxAgeSeconds * 1000;
      if (ts === undefined || Math.abs(options.now() - ts) > windowMs) {
        return failed(
          kid,
          'Signature not fresh',
          `payload ts is missing or more than ${options.maxAgeSeconds} s from now (verify_max_age_secs)`,
        );
      }
    }
    return jsonResponse(200, {
      verified: true,
      kid,
      message: 'Signature verified successfully',
    } satisfies VerifyAnswer);
  };
}
