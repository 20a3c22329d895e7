/**
 * Node's side of fetch-failure classification: undici's error codes and the socket `errno` codes
 * mapped to core's neutral kinds (src/core/fetch-failure.ts decides the code and status). Used by
 * the origin fetch, the WebSocket tunnel and the server's mid-body failures.
 */
import { TsError } from '../core/errors.ts';
import {
  failureKindFromMessage,
  fetchFailureError,
  type FetchFailureKind,
  type FetchParty,
} from '../core/fetch-failure.ts';

const TIMEOUT = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** Nothing reached the other side. */
const CONNECT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);

/** The connection broke, or what came back was not HTTP. */
const RESET = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export function errorCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function nodeFailureKind(error: unknown): FetchFailureKind {
  const code = errorCodeOf(error) ?? '';
  if (TIMEOUT.has(code)) return 'timeout';
  if (CONNECT.has(code)) return 'connect';
  // Certificate and handshake failures: the TLS session never came up.
  if (/CERT|SELF_SIGNED|TLS|SSL/.test(code)) return 'connect';
  // HPE_*: the response was not HTTP; Z_*: its compressed body was corrupt or cut off.
  if (RESET.has(code) || code.startsWith('HPE_') || code.startsWith('Z_')) return 'reset';
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return 'too_large';
  return failureKindFromMessage(error instanceof Error ? error.message : String(error));
}

/**
 * A Node or undici failure talking to `host` as the error core maps to a response. Once the
 * response `phase` is `body` the connection was up, so nothing can be a `connect` failure.
 */
export function nodeFetchError(
  error: unknown,
  party: FetchParty,
  host: string,
  phase: 'request' | 'body' = 'request',
): TsError {
  if (error instanceof TsError) return error;
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const kind = nodeFailureKind(error);
  return fetchFailureError({
    party,
    kind: phase === 'body' && kind === 'connect' ? 'reset' : kind,
    host,
    detail: code === undefined || message.includes(code) ? message : `${code}: ${message}`,
    cause: error,
  });
}
