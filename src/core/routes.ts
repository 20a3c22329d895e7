/**
 * The route table: defined once, here, for every adapter; matched in the upstream's order, first
 * match wins, exact method and path (`HEAD /auction` falls through to the origin, as upstream).
 * Only routes that work, and whose feature is configured, are registered; later features add their
 * rows in upstream order: discovery, verify-signature, admin keys, tester cookie, auction,
 * first-party proxy, integration routes.
 */
import { TsError } from './errors.ts';
import { createFirstPartyRoutes } from './first-party/first-party-routes.ts';
import { isReservedPath, reservationResponse } from './http/reserved-paths.ts';
import type { RequestContext } from './http/request-context.ts';
import {
  ADMIN_EC_PATH,
  ADMIN_EIDS_PATH,
  createAdminEcHandler,
  createAdminEidsHandler,
} from './identity/admin.ts';
import { BATCH_SYNC_PATH, createBatchSyncHandler } from './identity/batch-sync.ts';
import type { EcLifecycle, EcState } from './identity/ec-lifecycle.ts';
import { createIdentifyHandlers, IDENTIFY_PATH } from './identity/identify.ts';
import { createPublisherProxy } from './proxy/publisher-proxy.ts';
import { createPublisherRewrite } from './proxy/publisher-rewrite.ts';
import type { PlatformServices } from './services.ts';
import { signingRoutes } from './signing/signing-routes.ts';
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
  /**
   * Served only to a request a basic-auth handler granted. Start-up refuses a configuration whose
   * handlers miss the route (admin-coverage.ts), but it can only try example paths: a handler
   * regex that misses some IDs would leave those open. This refuses them at run time too.
   */
  adminOnly?: true;
  handle: RouteHandler;
}

export interface RouteTable {
  routes: readonly Route[];
  /** Everything no route claims: the publisher origin. */
  fallback: Route;
}

const ANY_METHOD: ReadonlySet<string> = new Set();
const GET: ReadonlySet<string> = new Set(['GET']);

/**
 * Trusted Server's namespaces (`/_ts/admin`, `/_ts/api`), when no route answered
 * (reserved-paths.ts): answered here, never forwarded to the publisher with the credentials or
 * tokens that were meant for this server. `allow`: the methods of the routes for this path.
 */
function reservedRoute(allow: readonly string[]): Route {
  return {
    name: 'reserved',
    methods: ANY_METHOD,
    matches: isReservedPath,
    identity: 'none',
    handle: () => Promise.resolve(reservationResponse(allow)),
  };
}

export function buildRouteTable(
  settings: Settings,
  services: PlatformServices,
  identity: Pick<EcLifecycle, 'graph' | 'partners'>,
): RouteTable {
  const bundle = buildUnifiedBundle();
  const tsjs = createTsjsRoute(bundle);
  const routes: Route[] = [
    ...signingRoutes(settings, services),
    ...identityRoutes(settings, services, identity),
    ...createFirstPartyRoutes(settings, services),
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

/**
 * The Edge Cookie's endpoints, in upstream order: the graph's admin diagnostics (when `[ec]
 * ec_store` is set), then batch sync and identify (when partners are configured).
 */
function identityRoutes(
  settings: Settings,
  services: PlatformServices,
  identity: Pick<EcLifecycle, 'graph' | 'partners'>,
): Route[] {
  const routes: Route[] = [];
  const { partners } = identity;
  const log = services.log;
  if (settings.ec.ec_store !== undefined) {
    const adminEc = createAdminEcHandler({ kv: services.kv, partners, log });
    const adminEids = createAdminEidsHandler(partners);
    routes.push(
      {
        name: 'admin-ec',
        methods: GET,
        adminOnly: true,
        // `/_ts/admin/ec/` and deeper paths are left to the namespace reservation (404).
        matches: (path) =>
          path === ADMIN_EC_PATH ||
          (path.startsWith(`${ADMIN_EC_PATH}/`) &&
            path.length > ADMIN_EC_PATH.length + 1 &&
            !path.includes('/', ADMIN_EC_PATH.length + 1)),
        identity: 'none',
        handle: (request, ctx) => adminEc(request, ctx),
      },
      {
        name: 'admin-eids',
        methods: GET,
        adminOnly: true,
        matches: (path) => path === ADMIN_EIDS_PATH,
        identity: 'none',
        handle: (request, ctx) => adminEids(request, ctx),
      },
    );
  }
  if (settings.ec.partners.length > 0) {
    const batchSync = createBatchSyncHandler({
      graph: identity.graph,
      partners,
      rateLimiter: services.rateLimiter,
      log,
    });
    const identify = createIdentifyHandlers({
      publisherDomain: settings.publisher.domain,
      graph: identity.graph,
      partners,
      log,
    });
    routes.push(
      {
        name: 'batch-sync',
        methods: new Set(['POST']),
        matches: (path) => path === BATCH_SYNC_PATH,
        identity: 'none',
        handle: (request) => batchSync(request),
      },
      {
        name: 'identify',
        methods: GET,
        matches: (path) => path === IDENTIFY_PATH,
        // Reads the reader's cookie and consent; never mints.
        identity: 'read',
        handle: (request, _ctx, ec) => {
          if (ec === undefined) throw new TsError('internal', 'identify runs without its EC state');
          return identify.get(request, ec);
        },
      },
      {
        name: 'identify-preflight',
        methods: new Set(['OPTIONS']),
        matches: (path) => path === IDENTIFY_PATH,
        identity: 'none',
        handle: (request) => Promise.resolve(identify.preflight(request)),
      },
    );
  }
  return routes;
}

/** The route for a request: the first named route that takes it, else the publisher's. */
export function matchRoute(table: RouteTable, method: string, path: string): Route {
  for (const route of table.routes) {
    if (route.methods.has(method) && route.matches(path)) return route;
  }
  if (isReservedPath(path)) return reservedRoute(methodsFor(table, path));
  return table.fallback;
}

/** The methods the routes for `path` take, sorted: the `Allow` of a 405. */
function methodsFor(table: RouteTable, path: string): string[] {
  const methods = new Set<string>();
  for (const route of table.routes) {
    if (route.matches(path)) for (const method of route.methods) methods.add(method);
  }
  return [...methods].sort();
}
