/**
 * `createApp(settings, services)`: the whole Trusted Server as one web-standard function,
 * `(request: Request) => Promise<Response>`, that every adapter calls.
 *
 * Per request: health check (before auth, for load balancers) → geo (asked once, kept on the
 * context) → request context (ambiguous requests refused, the path normalised, trusted-proxy
 * resolution, header sanitising, first-party host) → basic auth (credentials a handler took are
 * not forwarded) → route → error mapping → finalize headers. Everything that can be decided once
 * is decided here, at creation.
 */
import { compileBasicAuth, unauthorizedResponse } from './auth/basic-auth.ts';
import { errorResponse, toTsError } from './errors.ts';
import { createFinalizer } from './finalize.ts';
import {
  buildHostMatcher,
  buildProxyOnlyHeaders,
  buildTrustedProxies,
  resolveRequestContext,
  type RequestContext,
} from './http/request-context.ts';
import { normaliseRequestPath } from './http/request-target.ts';
import { refuseAmbiguousRequest } from './http/request-checks.ts';
import { buildRouteTable, matchRoute } from './routes.ts';
import type { GeoInfo, PlatformServices } from './services.ts';
import type { Settings } from './settings/settings-schema.ts';
import { planUpgrade, type UpgradePlan } from './upgrade.ts';

export type App = ((request: Request) => Promise<Response>) & {
  /** For adapters that can tunnel `Upgrade` requests (WebSocket): what to connect, or a refusal. */
  upgrade(request: Request): Promise<UpgradePlan>;
};

export function createApp(settings: Settings, services: PlatformServices): App {
  const hosts = buildHostMatcher(settings);
  const trusted = buildTrustedProxies(settings);
  const proxyOnlyHeaders = buildProxyOnlyHeaders(settings);
  const authorize = compileBasicAuth(settings);
  const finalize = createFinalizer(settings);
  const table = buildRouteTable(settings, services);
  const log = services.log;

  const contextFor = (
    request: Request,
    geo: GeoInfo | null,
    url: URL = new URL(request.url),
  ): RequestContext => {
    refuseAmbiguousRequest(request.headers);
    const path = normaliseRequestPath(url.pathname);
    return resolveRequestContext(request, services.connection(request), hosts, trusted, url, path, {
      geo,
      proxyOnlyHeaders,
    });
  };

  const handle = async (request: Request): Promise<Response> => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return errorResponse(toTsError(new Error('unparseable request URL')));
    }
    if (url.pathname === '/health' && request.method === 'GET') {
      return new Response('ok', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    const geo = services.geo(request);
    let path = url.pathname;
    try {
      const ctx = contextFor(request, geo, url);
      path = ctx.path;
      const verdict = await authorize(path, request.headers.get('authorization'));
      if (verdict === 'denied') return finalize(unauthorizedResponse(), geo);
      if (verdict === 'granted') ctx.headers.delete('authorization');
      const response = await matchRoute(table, request.method, path)(request, ctx);
      return finalize(response, geo);
    } catch (thrown) {
      const error = toTsError(thrown);
      if (request.signal.aborted) {
        log.debug('request abandoned by client', { code: error.code, path });
      } else if (error.status >= 500) {
        log.error(error.message, { code: error.code, status: error.status, path });
      } else {
        log.info(error.message, { code: error.code, status: error.status, path });
      }
      return finalize(errorResponse(error), geo);
    }
  };

  const upgrade = (request: Request): Promise<UpgradePlan> => {
    const geo = services.geo(request);
    return planUpgrade(
      request,
      settings,
      (upgradeRequest) => contextFor(upgradeRequest, geo),
      authorize,
      (response) => finalize(response, geo),
    );
  };

  return Object.assign(handle, { upgrade });
}
