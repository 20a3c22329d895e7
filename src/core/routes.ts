/**
 * The route table: defined once, here, for every adapter; matched in the upstream's order, first
 * match wins, exact method and path (`HEAD /auction` falls through to the origin, as upstream).
 * Only routes that work are registered; later features add their rows in upstream order:
 * discovery, verify-signature, admin keys, auction, first-party proxy, integration routes.
 */
import type { RequestContext } from './http/request-context.ts';
import { createPublisherProxy } from './proxy/publisher-proxy.ts';
import { createPublisherRewrite } from './proxy/publisher-rewrite.ts';
import type { PlatformServices } from './services.ts';
import type { Settings } from './settings/settings-schema.ts';
import { buildUnifiedBundle, createTsjsRoute, TSJS_PATH_PREFIX } from './static/tsjs-route.ts';

export type RouteHandler = (request: Request, ctx: RequestContext) => Promise<Response>;

export interface Route {
  name: string;
  methods: ReadonlySet<string>;
  matches(path: string): boolean;
  handle: RouteHandler;
}

export interface RouteTable {
  routes: readonly Route[];
  /** Everything no route claims: the publisher origin. */
  fallback: RouteHandler;
}

export function buildRouteTable(settings: Settings, services: PlatformServices): RouteTable {
  const bundle = buildUnifiedBundle();
  const tsjs = createTsjsRoute(bundle);
  const routes: Route[] = [
    {
      name: 'tsjs',
      // HEAD is answered here too (upstream sends it to the origin, which has no such file).
      methods: new Set(['GET', 'HEAD']),
      matches: (path) => path.startsWith(TSJS_PATH_PREFIX),
      handle: (request, ctx) => tsjs(request, ctx.url),
    },
  ];
  return {
    routes,
    fallback: createPublisherProxy(settings, services, {
      transform: createPublisherRewrite(settings, services, bundle),
    }),
  };
}

export function matchRoute(table: RouteTable, method: string, path: string): RouteHandler {
  for (const route of table.routes) {
    if (route.methods.has(method) && route.matches(path)) return route.handle;
  }
  return table.fallback;
}
