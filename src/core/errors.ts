/**
 * The one error type of the request path, and the one place it becomes a response.
 *
 * Every failure carries a stable `code` (for logs and tests), an HTTP status and a message that is
 * safe to show a client. 5xx responses always carry a generic body: the detail (hosts, addresses,
 * causes) goes to the log only.
 */

const KINDS = {
  bad_request: { status: 400, message: 'Bad request' },
  unauthorized: { status: 401, message: 'Unauthorized' },
  forbidden: { status: 403, message: 'Forbidden' },
  not_found: { status: 404, message: 'Not Found' },
  method_not_allowed: { status: 405, message: 'Method not allowed' },
  payload_too_large: { status: 413, message: 'Payload too large' },
  header_fields_too_large: { status: 431, message: 'Request header fields too large' },
  internal: { status: 500, message: 'An internal error occurred' },
  configuration: { status: 500, message: 'An internal error occurred' },
  origin_unreachable: { status: 502, message: 'Bad gateway' },
  origin_failed: { status: 502, message: 'Bad gateway' },
  unavailable: { status: 503, message: 'Service unavailable' },
  origin_timeout: { status: 504, message: 'Gateway timeout' },
  store_invalid_key: { status: 400, message: 'Bad request' },
  store_value_too_large: { status: 413, message: 'Payload too large' },
  store_conflict: { status: 409, message: 'Conflict' },
  store_unavailable: { status: 503, message: 'Service unavailable' },
  rate_limited: { status: 429, message: 'Too many requests' },
  upstream_failed: { status: 502, message: 'Bad gateway' },
  upstream_too_large: { status: 502, message: 'Bad gateway' },
  upstream_timeout: { status: 504, message: 'Gateway timeout' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof KINDS;

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
