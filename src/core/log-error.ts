/**
 * The one shape of an error's log line, whichever layer caught it (core, an adapter's server or
 * entry): the detail as the message, then `code`, `status`, the platform's request id when it has
 * one, and where the request was going. The client saw only the code's public text; this line is
 * where the detail lives.
 *
 * 5xx are `error` (the operator's problem), 4xx `info` (the client's), and anything the client
 * abandoned before it could see the answer `debug`.
 */
import type { TsError } from './errors.ts';
import { loggablePath } from './http/loggable-path.ts';
import type { LogFields, Logger } from './log.ts';

export interface ErrorLogContext {
  /** The platform's id for the request (Cloudflare Ray ID, Fastly trace ID), when there is one. */
  requestId?: string | undefined;
  method?: string | undefined;
  /** The path without its query (queries carry tokens). */
  path?: string | undefined;
  /** The client had already gone: nobody saw the error response. */
  abandoned?: boolean | undefined;
}

export function logError(log: Logger, error: TsError, context: ErrorLogContext = {}): void {
  const fields: LogFields = {
    code: error.code,
    status: error.status,
    request_id: context.requestId,
    method: context.method,
    path: context.path === undefined ? undefined : loggablePath(context.path),
  };
  if (context.abandoned) log.debug(error.message, fields);
  else if (error.status >= 500) log.error(error.message, fields);
  else log.info(error.message, fields);
}
