/**
 * The request sent to `publisher.origin_url`: method, path, query and body as the client sent
 * them; hop-by-hop fields removed; `Host` set to the origin; `X-Forwarded-*` set by us (never
 * passed through from the client) to the true client address, scheme and first-party host.
 */
import { TsError } from '../errors.ts';
import { removeHopByHop } from '../http/hop-by-hop.ts';
import type { RequestContext } from '../http/request-context.ts';
import { restrictAcceptEncoding } from './classify.ts';

export interface OriginTarget {
  /** `scheme://host[:port]` of the origin, as configured. */
  base: URL;
}

export function buildOriginHeaders(ctx: RequestContext, origin: OriginTarget): Headers {
  const headers = new Headers(ctx.headers);
  removeHopByHop(headers);
  // URL.host omits the default port, which is exactly what `Host` should carry.
  headers.set('host', origin.base.host);
  headers.set('x-forwarded-for', ctx.clientIp);
  headers.set('x-forwarded-proto', ctx.scheme);
  headers.set('x-forwarded-host', ctx.host);
  // Only codings the proxy can decode, so every rewritable body can be rewritten.
  const acceptEncoding = restrictAcceptEncoding(headers.get('accept-encoding'));
  if (acceptEncoding === null) headers.delete('accept-encoding');
  else headers.set('accept-encoding', acceptEncoding);
  return headers;
}

/**
 * The configured origin with the request's normalised path and query, and nothing of the
 * request's own authority. Never resolve the path against the origin (`new URL(path, base)`): a
 * path that reads as `//host/x` is a scheme-relative reference and would pick the host. The
 * origin is asserted anyway, so no later change to path handling can open the proxy.
 */
export function originUrl(ctx: RequestContext, origin: OriginTarget): URL {
  const url = new URL(`${origin.base.origin}${ctx.path}${ctx.url.search}`);
  if (url.origin !== origin.base.origin) {
    throw new TsError('bad_request', 'request target would leave the configured origin', {
      publicMessage: 'Bad request: invalid request target',
    });
  }
  return url;
}

export function buildOriginRequest(
  request: Request,
  ctx: RequestContext,
  origin: OriginTarget,
): Request {
  const hasBody = request.body !== null && request.method !== 'GET' && request.method !== 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = {
    method: request.method,
    headers: buildOriginHeaders(ctx, origin),
    body: hasBody ? request.body : null,
    redirect: 'manual',
    signal: request.signal,
  };
  // Streaming request bodies need half-duplex in the fetch standard.
  if (hasBody) init.duplex = 'half';
  return new Request(originUrl(ctx, origin), init);
}
