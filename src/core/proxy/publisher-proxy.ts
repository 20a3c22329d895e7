/**
 * The fallback route: forward to the publisher's origin and stream its answer back.
 *
 * This stage passes the body through untouched (`Content-Encoding` and `Content-Length` intact);
 * the rewriting stages plug in at {@link PublisherProxyOptions.transform}.
 */
import { removeHopByHop } from '../http/hop-by-hop.ts';
import type { RequestContext } from '../http/request-context.ts';
import { recordOriginTime } from '../request-timing.ts';
import type { PlatformServices } from '../services.ts';
import type { Settings } from '../settings/settings-schema.ts';
import { buildOriginRequest, type OriginTarget } from './origin-request.ts';

/** Statuses whose responses never carry a body (RFC 9110). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export type ResponseTransform = (
  response: Response,
  request: Request,
  ctx: RequestContext,
) => Response | Promise<Response>;

export interface PublisherProxyOptions {
  transform?: ResponseTransform;
}

export function createPublisherProxy(
  settings: Settings,
  services: PlatformServices,
  options: PublisherProxyOptions = {},
) {
  const origin: OriginTarget = { base: new URL(settings.publisher.origin_url) };
  const fetchOptions = {
    timeouts: {
      connectMs: settings.proxy.connect_timeout_ms,
      firstByteMs: settings.proxy.first_byte_timeout_ms,
      betweenBytesMs: settings.proxy.between_bytes_timeout_ms,
      totalMs: settings.proxy.max_response_ms,
    },
    verifyCertificate: settings.proxy.certificate_check,
    ...(settings.proxy.origin_address ? { connectAddress: settings.proxy.origin_address } : {}),
  };

  return async (request: Request, ctx: RequestContext): Promise<Response> => {
    const started = services.monotonic();
    const originResponse = await services.fetchOrigin(buildOriginRequest(request, ctx, origin), {
      ...fetchOptions,
      signal: request.signal,
    });
    recordOriginTime(request, services.monotonic() - started);

    const headers = new Headers(originResponse.headers);
    removeHopByHop(headers);
    let body = originResponse.body;
    if (NULL_BODY_STATUSES.has(originResponse.status) || request.method === 'HEAD') {
      if (body) await body.cancel().catch(() => {});
      body = null;
    }
    const response = new Response(body, {
      status: originResponse.status,
      statusText: originResponse.statusText,
      headers,
    });
    return options.transform ? options.transform(response, request, ctx) : response;
  };
}
