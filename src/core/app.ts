/**
 * `createApp(settings, services)`: the whole Trusted Server as one web-standard function,
 * `(request: Request) => Promise<Response>`, that every adapter calls.
 *
 * Per request: health check (before auth, for load balancers) → geo (asked once, kept on the
 * context) → request context (ambiguous requests refused, the path normalised, trusted-proxy
 * resolution, header sanitising, first-party host) → basic auth (credentials a handler took are
 * not forwarded) → route match → Edge Cookie read (and, on the publisher's pages, minted alongside
 * the origin fetch) → route → error mapping → Edge Cookie finalisation → finalize headers. Everything that can be decided once
 * is decided here, at creation.
 */
import { compileBasicAuth, unauthorizedError } from './auth/basic-auth.ts';
import { useBytePrimitives } from './bytes/byte-primitives.ts';
import { crossSiteRefusal } from './http/cross-site.ts';
import { errorResponse, toTsError, TsError } from './errors.ts';
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
import { createEcLifecycle } from './identity/ec-lifecycle.ts';
import { createPartnerRegistry } from './identity/partners.ts';
import { createPullSync } from './identity/pull-sync.ts';
import { loggablePath } from './http/loggable-path.ts';
import { logError } from './log-error.ts';
import { buildRouteTable, matchRoute } from './routes.ts';
import type { GeoInfo, PlatformServices } from './services.ts';
import type { Settings } from './settings/settings-schema.ts';
import { planUpgrade, type UpgradePlan } from './upgrade.ts';

/** What an adapter knows about a request it failed, for the log line. */
export interface FailureContext {
  /** The request, once the adapter has one: for its request id and geo headers. */
  request?: Request | undefined;
  method?: string | undefined;
  /** The path without its query. */
  path?: string | undefined;
}

export type App = ((request: Request) => Promise<Response>) & {
  /** For adapters that can tunnel `Upgrade` requests (WebSocket): what to connect, or a refusal. */
  upgrade: (request: Request) => Promise<UpgradePlan>;
  /**
   * The one error mapping, for failures an adapter meets outside `app(request)` (a request line it
   * cannot turn into a `Request`, a tunnel whose origin failed, a body that broke before its
   * headers went out): logs the error in the one shape (log-error.ts) and returns the response,
   * finalized like every other.
   */
  fail: (thrown: unknown, context?: FailureContext) => Response;
};

export function createApp(settings: Settings, services: PlatformServices): App {
  useBytePrimitives(services.bytes);
  const hosts = buildHostMatcher(settings);
  const trusted = buildTrustedProxies(settings);
  const proxyOnlyHeaders = buildProxyOnlyHeaders(settings);
  const authorize = compileBasicAuth(settings);
  const finalize = createFinalizer(settings);
  const partners = createPartnerRegistry(settings.ec.partners);
  const identity = createEcLifecycle(settings, services, partners, {
    afterOrganicResponse: (graph) => createPullSync({ graph, partners, settings, services }),
  });
  const table = buildRouteTable(settings, services, identity);
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

  /** Logs a failure in the one shape (log-error.ts) and maps it to its response. */
  const errorFor = (thrown: unknown, context: FailureContext): Response => {
    const error = toTsError(thrown);
    const { request } = context;
    logError(log, error, {
      requestId: request ? services.requestId?.(request) : undefined,
      method: context.method ?? request?.method,
      path: context.path,
      abandoned: request?.signal.aborted,
    });
    return errorResponse(error);
  };
  const failWith = (thrown: unknown, context: FailureContext, geo: GeoInfo | null): Response =>
    finalize(errorFor(thrown, context), geo);
  const fail = (thrown: unknown, context: FailureContext = {}): Response =>
    failWith(thrown, context, context.request ? services.geo(context.request) : null);

  const handle = async (request: Request): Promise<Response> => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch (error) {
      // Runtimes only hand over parseable URLs; an adapter that did not is sending garbage on.
      return fail(new TsError('bad_request', 'unparseable request URL', { cause: error }), {
        request,
        path: '(unparseable)',
      });
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
      if (verdict === 'denied') return failWith(unauthorizedError(), { request, path }, geo);
      if (verdict === 'granted') ctx.headers.delete('authorization');
      const route = matchRoute(table, request.method, path);
      if (route.adminOnly && verdict !== 'granted') {
        throw new TsError(
          'forbidden',
          `no [[handlers]] entry matches ${loggablePath(path)}: the admin route is refused (fix the handler's path regex)`,
        );
      }
      if (route.adminOnly) {
        const refused = crossSiteRefusal(request);
        if (refused !== undefined) throw refused;
      }
      const ec = route.identity === 'none' ? undefined : identity.read(request, ctx);
      if (ec !== undefined && route.identity === 'organic') identity.mint(ec, request, ctx);
      let response: Response;
      try {
        response = await route.handle(request, ctx, ec);
      } catch (thrown) {
        // A failed page still honours the reader's consent: a withdrawal expires the cookie.
        if (ec === undefined) throw thrown;
        response = errorFor(thrown, { request, path });
      }
      if (ec !== undefined) response = await identity.finalize(ec, request, ctx, response);
      return finalize(response, geo);
    } catch (thrown) {
      return failWith(thrown, { request, path }, geo);
    }
  };

  const upgrade = (request: Request): Promise<UpgradePlan> => {
    const geo = services.geo(request);
    return planUpgrade(
      request,
      settings,
      (upgradeRequest) => contextFor(upgradeRequest, geo),
      authorize,
      (thrown, path) => failWith(thrown, { request, path }, geo),
    );
  };

  return Object.assign(handle, { upgrade, fail });
}
