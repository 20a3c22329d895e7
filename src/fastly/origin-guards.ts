/**
 * What the platform's upstream `fetch` does not do for core, done here:
 *
 * - No `AbortController`, so no way to cancel a `fetch`: the first-byte wait is raced against a
 *   deadline (the backend's own timeouts should fire first; this turns any slower failure into a
 *   clean `origin_timeout` rather than an open-ended wait).
 * - A between-bytes timeout ends the origin body *cleanly* on Fastly ("the response received so
 *   far will be considered complete"). Core must never take a cut-off body for a whole one, so
 *   bodies core will rewrite are checked against `Content-Length` and error when short.
 * - Rejections become `TsError`s with the host named (for the log; clients see generic text).
 */
import { TsError } from '../core/errors.ts';
import { failureKindFromMessage, fetchFailureError } from '../core/fetch-failure.ts';
import { classifyResponse } from '../core/proxy/classify.ts';

export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** A rejected Fastly `fetch` as the error mapping's origin failure; Fastly says why only in words. */
export function fetchFailure(error: unknown, host: string): TsError {
  if (error instanceof TsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const kind = failureKindFromMessage(message);
  return fetchFailureError({ party: 'origin', kind, host, detail: message, cause: error });
}

/** Whether core will decode/rewrite this body (so a short one must not pass for complete). */
export function needsLengthGuard(method: string, response: Response): boolean {
  if (response.body === null || method === 'HEAD') return false;
  if (response.headers.get('content-length') === null) return false;
  const kind = classifyResponse({
    method,
    status: response.status,
    contentType: response.headers.get('content-type'),
    contentEncoding: response.headers.get('content-encoding'),
    nextjs: true,
  });
  return kind.processing !== 'passthrough';
}

/** Passes bytes through; errors at the end if fewer than `Content-Length` arrived. */
export function lengthGuard(
  expected: number,
  host: string,
): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      controller.enqueue(chunk);
    },
    flush(controller) {
      if (seen < expected) {
        controller.error(
          fetchFailureError({
            party: 'origin',
            kind: 'reset',
            host,
            detail: `body ended after ${seen} of ${expected} bytes (between-bytes timeout?)`,
          }),
        );
      }
    },
  });
}

/** Wraps the body in {@link lengthGuard} when {@link needsLengthGuard} says so. */
export function guardBody(method: string, response: Response, host: string): Response {
  if (!needsLengthGuard(method, response) || response.body === null) return response;
  const expected = Number(response.headers.get('content-length'));
  if (!Number.isSafeInteger(expected) || expected < 0) return response;
  return new Response(response.body.pipeThrough(lengthGuard(expected, host)), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
