/**
 * The one error type of the request path, and the one place it becomes a response.
 *
 * Every failure carries a stable `code` (for logs and tests), an HTTP status and a message that is
 * safe to show a client. 5xx responses always carry a generic body: the detail (hosts, addresses,
 * causes) goes to the log only (log-error.ts).
 */

const KINDS = {
  bad_request: { status: 400, message: 'Bad request' },
  /**
   * A store refused a key (too long, characters the store cannot hold). Keys are built from what a
   * client sent (an ID, a partner name), so this is the client's input being refused.
   */
  store_invalid_key: { status: 400, message: 'Bad request' },
  unauthorized: { status: 401, message: 'Unauthorized' },
  forbidden: { status: 403, message: 'Forbidden' },
  not_found: { status: 404, message: 'Not Found' },
  method_not_allowed: { status: 405, message: 'Method not allowed' },
  request_timeout: { status: 408, message: 'Request timeout' },
  /** A compare-and-swap write lost the race every time it was retried. */
  store_conflict: { status: 409, message: 'Conflict' },
  payload_too_large: { status: 413, message: 'Payload too large' },
  /**
   * A value is over the store's size limit. 413 rather than a 5xx: every value that can grow that
   * far grows from what requests carried (partner IDs, uploaded keys), so sending less is the fix,
   * and a retry of the same request never succeeds. A caller that built an oversized value on its
   * own rethrows it as `internal`.
   */
  store_value_too_large: { status: 413, message: 'Payload too large' },
  unsupported_media_type: { status: 415, message: 'Unsupported media type' },
  rate_limited: { status: 429, message: 'Too many requests' },
  header_fields_too_large: { status: 431, message: 'Request header fields too large' },
  internal: { status: 500, message: 'An internal error occurred' },
  configuration: { status: 500, message: 'An internal error occurred' },
  origin_unreachable: { status: 502, message: 'Bad gateway' },
  origin_failed: { status: 502, message: 'Bad gateway' },
  /** A third party (bidder, partner, creative host, vendor script) failed or broke off. */
  upstream_failed: { status: 502, message: 'Bad gateway' },
  /** A third party's response was larger than the caller's cap. */
  upstream_too_large: { status: 502, message: 'Bad gateway' },
  unavailable: { status: 503, message: 'Service unavailable' },
  /** The store could not be reached or did not answer in time: callers decide to fail closed. */
  store_unavailable: { status: 503, message: 'Service unavailable' },
  origin_timeout: { status: 504, message: 'Gateway timeout' },
  upstream_timeout: { status: 504, message: 'Gateway timeout' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof KINDS;

/** Every code, for tables and tests that must cover them all. */
export const ERROR_CODES = Object.keys(KINDS) as readonly ErrorCode[];

export class TsError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Shown to the client. For 4xx it may be specific; for 5xx it is always the generic text. */
  readonly publicMessage: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { publicMessage?: string; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TsError';
    this.code = code;
    this.status = KINDS[code].status;
    this.publicMessage =
      this.status >= 500 ? KINDS[code].message : (options.publicMessage ?? KINDS[code].message);
    this.headers = options.headers ?? {};
  }
}

export function toTsError(error: unknown): TsError {
  if (error instanceof TsError) return error;
  return new TsError('internal', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}

export function errorResponse(error: TsError): Response {
  const headers = new Headers(error.headers);
  headers.set('content-type', 'text/plain; charset=utf-8');
  headers.set('cache-control', 'no-store');
  return new Response(`${error.publicMessage}\n`, { status: error.status, headers });
}
