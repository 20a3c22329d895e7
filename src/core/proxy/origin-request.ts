/**
 * The request sent to `publisher.origin_url`: method, path, query and body as the client sent
 * them; hop-by-hop fields removed; `Host` set to the origin; `X-Forwarded-*` set by us (never
 * passed through from the client) to the true client address, scheme and first-party host.
 */
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

export function originUrl(ctx: RequestContext, origin: OriginTarget): URL {
  return new URL(`${ctx.url.pathname}${ctx.url.search}`, origin.base);
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
