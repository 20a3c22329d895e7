/**
 * What a request signature covers, and the body `/verify-signature` accepts.
 *
 * The payload is compact JSON with a fixed key order, because the signature covers its exact
 * bytes: a verifier rebuilds the same string from the same fields. JSON rather than a delimited
 * string so that no field value can move a boundary. `JSON.stringify` escapes exactly what
 * upstream's serde_json does (quote, backslash, control characters as `\n` or `\u001f`) and leaves
 * `/` and non-ASCII characters as they are, so both sides produce the same bytes.
 */

import { TsError } from '../errors.ts';

export const SIGNING_VERSION = '1.1';

export interface SigningPayloadFields {
  readonly kid: string;
  readonly host: string;
  readonly scheme: string;
  /** The request being signed (the auction ID). */
  readonly id: string;
  /** Unix milliseconds. */
  readonly ts: number;
}

export function buildSigningPayload(fields: SigningPayloadFields): string {
  // Upstream's field is a u64: a fraction, a negative or an unsafe integer would print a number
  // that no upstream verifier could have signed.
  if (!Number.isSafeInteger(fields.ts) || fields.ts < 0) {
    throw new TsError(
      'internal',
      `signing timestamp must be a non-negative integer, got ${fields.ts}`,
    );
  }
  // Built key by key, in the order the signature depends on.
  const payload = {
    version: SIGNING_VERSION,
    kid: fields.kid,
    host: fields.host,
    scheme: fields.scheme,
    id: fields.id,
    ts: fields.ts,
  };
  return JSON.stringify(payload);
}

/** Larger bodies are refused before parsing, as upstream does. */
export const VERIFY_SIGNATURE_MAX_BODY_BYTES = 4096;

export interface VerifySignatureRequest {
  readonly payload: string;
  readonly signature: string;
  readonly kid: string;
}

const REQUIRED_FIELDS = ['payload', 'signature', 'kid'] as const;

function badRequest(detail: string): TsError {
  return new TsError('bad_request', `verify-signature: ${detail}`, {
    publicMessage: `Bad request: ${detail}`,
  });
}

/**
 * Parses a `/verify-signature` body: a JSON object with string `payload`, `signature` and `kid`.
 * Other fields are ignored. Throws `payload_too_large` or `bad_request`.
 */
export function parseVerifySignatureRequest(body: Uint8Array): VerifySignatureRequest {
  if (body.byteLength > VERIFY_SIGNATURE_MAX_BODY_BYTES) {
    throw new TsError(
      'payload_too_large',
      `verify-signature body is ${body.byteLength} bytes, limit ${VERIFY_SIGNATURE_MAX_BODY_BYTES}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw badRequest('invalid JSON request body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest('request body must be a JSON object');
  }
  const record = parsed as Record<string, unknown>;
  for (const field of REQUIRED_FIELDS) {
    if (typeof record[field] !== 'string') throw badRequest(`"${field}" must be a string`);
  }
  return {
    payload: record['payload'] as string,
    signature: record['signature'] as string,
    kid: record['kid'] as string,
  };
}
