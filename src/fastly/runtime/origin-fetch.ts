/**
 * `fetchOrigin` on Fastly: one dynamic backend per distinct origin configuration (target, Host,
 * TLS name, `[proxy]` timeouts), created once per sandbox. The origin's bytes come back as sent:
 * no `decompressGzip`, and Fastly's `fetch` does not follow redirects. `cacheOverride: 'pass'`
 * keeps Fastly's readthrough cache out of the way, as the Node adapter has no cache either;
 * caching at the edge is a deliberate later step, not a side effect.
 *
 * `proxy.max_response_ms` is not enforced here: Fastly's `fetch` takes no abort signal, and a
 * deadline stream between origin and client would cost every passed-through body a JavaScript
 * copy. Fastly's own between-bytes timeout bounds a stalled body; a drip is not bounded.
 */
import type { Backend } from 'fastly:backend';
import { fetchFailureError } from '../../core/fetch-failure.ts';
import type { OriginFetch } from '../../core/services.ts';
import { backendConfigFor } from '../backend-options.ts';
import { backendFor } from './backends.ts';
import { fetchFailure, guardBody, withDeadline } from '../origin-guards.ts';

/** `fetch` options only Fastly has. */
interface FastlyRequestInit extends RequestInit {
  backend: Backend;
  cacheOverride: 'pass';
}

export const fastlyOriginFetch: OriginFetch = async (request, options) => {
  const url = new URL(request.url);
  const config = backendConfigFor(url, options);
  const backend = backendFor(config);
  const init: FastlyRequestInit = { backend, cacheOverride: 'pass' };
  const { connectMs, firstByteMs } = options.timeouts;
  let response: Response;
  try {
    response = await withDeadline(fetch(request, init), connectMs + firstByteMs + 1000, () =>
      fetchFailureError({
        party: 'origin',
        kind: 'timeout',
        host: url.host,
        detail: 'no response headers in time',
      }),
    );
  } catch (error) {
    throw fetchFailure(error, url.host);
  }
  return guardBody(request.method, response, url.host);
};
