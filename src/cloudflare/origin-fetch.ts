/**
 * The Workers implementation of `fetchOrigin`: the runtime's own `fetch`.
 *
 * Differences from the Node adapter, all forced by the platform and kept here:
 * - The runtime decodes `gzip`/`br` bodies itself (see codecs.ts, which knows it).
 * - There is no separate connect phase to time: `connect_timeout_ms + first_byte_timeout_ms`
 *   bounds the wait for response headers. `between_bytes_timeout_ms` is not enforced: a watchdog
 *   would put a JavaScript stream between origin and client, and the runtime then decodes and
 *   re-encodes every passed-through compressed body and drops its Content-Length (measured in
 *   workerd). Cloudflare's own origin read timeout bounds a stalled body instead.
 * - `proxy.origin_address` cannot be honoured by a deployed Worker (it connects by name); the local
 *   `trusted-server dev` runner binds `TS_ORIGIN`, a service that connects to that address, and
 *   origin requests go through it — only they: third parties keep the ordinary network.
 * - TLS to the origin is always verified (`proxy.certificate_check = false` is refused at build).
 * - `proxy.max_response_ms` aborts the fetch, which errors a body the Worker is still reading
 *   (every rewritten one). A body passed through untouched is streamed by the runtime itself and
 *   the abort does not reach it (measured in workerd); wrapping it in a JavaScript stream to cut it
 *   would cost the decode/re-encode above, so Cloudflare's own limits bound those. The timer is
 *   not cleared when a body ends (nothing here sees its end), and aborting a finished fetch does
 *   nothing.
 */
import { failureKindFromMessage, fetchFailureError } from '../core/fetch-failure.ts';
import type { OriginFetch } from '../core/services.ts';

/** What sends the origin request: the runtime's `fetch`, or the `TS_ORIGIN` binding's. */
export type WorkersFetcher = (request: Request, init: RequestInit) => Promise<Response>;

export const workersOriginFetchVia =
  (send: WorkersFetcher): OriginFetch =>
  async (request, options) => {
    const { connectMs, firstByteMs } = options.timeouts;
    const headersDeadline = connectMs + firstByteMs;
    const host = new URL(request.url).host;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, headersDeadline);
    const onClientAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onClientAbort, { once: true });

    const started = Date.now();
    const { totalMs } = options.timeouts;
    try {
      const response = await send(request, { signal: controller.signal, redirect: 'manual' });
      const remaining = totalMs > 0 ? totalMs - (Date.now() - started) : Infinity;
      armResponseDeadline(response, remaining, () =>
        controller.abort(
          fetchFailureError({
            party: 'origin',
            kind: 'timeout',
            host,
            detail: `response not finished within ${totalMs} ms (proxy.max_response_ms)`,
          }),
        ),
      );
      return response;
    } catch (error) {
      if (timedOut) {
        const detail = `no response headers in ${headersDeadline} ms`;
        throw fetchFailureError({ party: 'origin', kind: 'timeout', host, detail });
      }
      if (options.signal?.aborted) throw error;
      // The runtime's fetch says what went wrong only in words.
      const message = error instanceof Error ? error.message : String(error);
      const kind = failureKindFromMessage(message);
      throw fetchFailureError({ party: 'origin', kind, host, detail: message, cause: error });
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onClientAbort);
    }
  };

function armResponseDeadline(response: Response, remainingMs: number, expire: () => void): void {
  if (response.body === null || remainingMs === Infinity) return;
  const type = response.headers.get('content-type') ?? '';
  if (/^\s*text\/event-stream\s*(;|$)/i.test(type)) return;
  setTimeout(expire, Math.max(0, remainingMs));
}

/** Built once: `fetch` is looked up when each request is sent, not when the module loads. */
export const workersOriginFetch: OriginFetch = workersOriginFetchVia((request, init) =>
  fetch(request, init),
);
