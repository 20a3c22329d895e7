/**
 * The route table: defined once, here, for every adapter; matched in the upstream's order, first
 * match wins, exact method and path (`HEAD /auction` falls through to the origin, as upstream).
 * Only routes that work are registered; later features add their rows in upstream order:
 * discovery, verify-signature, admin keys, auction, first-party proxy, integration routes.
 */
import { adminReservation, adminReservationResponse } from './http/admin-namespace.ts';
import type { RequestContext } from './http/request-context.ts';
import type { EcState } from './identity/ec-lifecycle.ts';
import { createPublisherProxy } from './proxy/publisher-proxy.ts';
import { createPublisherRewrite } from './proxy/publisher-rewrite.ts';
import type { PlatformServices } from './services.ts';
import type { Settings } from './settings/settings-schema.ts';
import { buildUnifiedBundle, createTsjsRoute, TSJS_PATH_PREFIX } from './static/tsjs-route.ts';

/**
 * A route's part in the Edge Cookie's life: `none` (admin diagnostics, batch sync: the request's
 * cookie and consent are not read, the response not finalised), `read` (the cookie and consent
 * are read and the response finalised: identity headers stripped without consent, withdrawals
 * honoured), `organic` (also mints an ID for a consenting reader's page view: the publisher's
 * pages, later the integration proxies).
 */
export type IdentityRole = 'none' | 'read' | 'organic';

export type RouteHandler = (
  request: Request,
  ctx: RequestContext,
  /** The request's Edge Cookie state; undefined for `identity: 'none'` routes. */
  ec: EcState | undefined,
) => Promise<Response>;

export interface Route {
  name: string;
  methods: ReadonlySet<string>;
  matches(path: string): boolean;
  identity: IdentityRole;
  handle: RouteHandler;
}

export interface RouteTable {
  routes: readonly Route[];
  /** Everything no route claims: the publisher origin. */
  fallback: Route;
}

const ANY_METHOD: ReadonlySet<string> = new Set();

/**
 * The admin namespace, when no admin route answered (admin-namespace.ts): answered here, never
 * forwarded to the publisher with the credentials that let it through.
 */
const reservedAdminRoute: Route = {
  name: 'admin-reserved',
  methods: ANY_METHOD,
  matches: (path) => adminReservation(path) !== undefined,
  identity: 'none',
  handle: (request, ctx) =>
    Promise.resolve(
      adminReservationResponse(adminReservation(ctx.path) ?? 'reserved', request.method),
    ),
};

export function buildRouteTable(settings: Settings, services: PlatformServices): RouteTable {
  const bundle = buildUnifiedBundle();
  const tsjs = createTsjsRoute(bundle);
  const routes: Route[] = [
    {
      name: 'tsjs',
      // HEAD is answered here too (upstream sends it to the origin, which has no such file).
      methods: new Set(['GET', 'HEAD']),
      matches: (path) => path.startsWith(TSJS_PATH_PREFIX),
      identity: 'read',
      handle: (request, ctx) => tsjs(request, ctx.url),
    },
  ];
  const publisher = createPublisherProxy(settings, services, {
    transform: createPublisherRewrite(settings, services, bundle),
  });
  return {
    routes,
    fallback: {
      name: 'publisher',
      methods: ANY_METHOD,
      matches: () => true,
      identity: 'organic',
      handle: (request, ctx) => publisher(request, ctx),
    },
  };
}

/** The route for a request: the first named route that takes it, else the publisher's. */
export function matchRoute(table: RouteTable, method: string, path: string): Route {
  for (const route of table.routes) {
    if (route.methods.has(method) && route.matches(path)) return route;
  }
  if (reservedAdminRoute.matches(path)) return reservedAdminRoute;
  return table.fallback;
}
