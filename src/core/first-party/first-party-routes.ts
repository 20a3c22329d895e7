/**
 * The first-party proxy's routes, in upstream's order: proxy, click, sign, proxy-rebuild. All read
 * the reader's Edge Cookie state (`identity: 'read'`: the ID and consent decide `ts-ec`, and the
 * response is finalised like any other), none mints one.
 */
import type { Route } from '../routes.ts';
import type { PlatformServices } from '../services.ts';
import type { Settings } from '../settings/settings-schema.ts';
import { createClickHandler } from './click-route.ts';
import { createCreativeFetch } from './creative-fetch.ts';
import { createProxyHandler, type CreativeRewriters } from './proxy-route.ts';
import { createRebuildHandler } from './rebuild-route.ts';
import { createSignHandler } from './sign-route.ts';
import { FIRST_PARTY_CLICK_PATH, FIRST_PARTY_PROXY_PATH } from './signed-url.ts';
import { createProxyTokenSigner, type ProxyTokenSigner } from './token.ts';
import { creativeRewriters } from './creative-rewrite.ts';
import { creativeRuntimeTag } from '../static/tsjs-route.ts';

export const FIRST_PARTY_SIGN_PATH = '/first-party/sign';
export const FIRST_PARTY_REBUILD_PATH = '/first-party/proxy-rebuild';

const GET: ReadonlySet<string> = new Set(['GET']);
const GET_OR_POST: ReadonlySet<string> = new Set(['GET', 'POST']);

export function createFirstPartyRoutes(settings: Settings, services: PlatformServices): Route[] {
  const signer = createProxyTokenSigner(settings.publisher.proxy_secret);
  const proxy = createProxyHandler(settings, services, {
    signer,
    fetchCreative: createCreativeFetch(settings, services),
    rewriters: proxiedCreativeRewriters(settings, services, signer),
  });
  const click = createClickHandler(services, signer);
  const sign = createSignHandler(settings, services, signer);
  const rebuild = createRebuildHandler(services, signer);
  const exact = (path: string) => (candidate: string) => candidate === path;
  return [
    {
      name: 'first-party-proxy',
      methods: GET,
      matches: exact(FIRST_PARTY_PROXY_PATH),
      identity: 'read',
      handle: (request, ctx, ec) => proxy(request, ctx, ec),
    },
    {
      name: 'first-party-click',
      methods: GET,
      matches: exact(FIRST_PARTY_CLICK_PATH),
      identity: 'read',
      handle: (request, ctx, ec) => click(request, ctx, ec),
    },
    {
      name: 'first-party-sign',
      methods: GET_OR_POST,
      matches: exact(FIRST_PARTY_SIGN_PATH),
      identity: 'read',
      handle: (request, ctx) => sign(request, ctx),
    },
    {
      name: 'first-party-proxy-rebuild',
      methods: GET_OR_POST,
      matches: exact(FIRST_PARTY_REBUILD_PATH),
      identity: 'read',
      handle: (request, ctx) => rebuild(request, ctx),
    },
  ];
}

/**
 * The creative rewriters behind `/first-party/proxy`: proxied HTML and CSS get the auction's
 * creative rules, with the proxy's body cap (a proxied document is a page, not an `adm`) and the
 * operator's sanitiser choice (a creative's iframe document is still the creative).
 */
function proxiedCreativeRewriters(
  settings: Settings,
  services: PlatformServices,
  signer: ProxyTokenSigner,
): CreativeRewriters {
  const excludeDomains = settings.rewrite.exclude_domains;
  return creativeRewriters({
    signer,
    excludeDomains,
    runtimeTag: creativeRuntimeTag(excludeDomains),
    sanitize: settings.auction.sanitize_creatives,
    maxBytes: settings.proxy.creative_max_bytes,
    ...(services.htmlEngine ? { engine: services.htmlEngine } : {}),
  });
}
