/**
 * The `trusted-server.toml` schema: upstream HEAD's sections and keys, plus the few this port adds
 * (`publisher.hosts`, origin timeouts and `trusted_proxies` under `[proxy]`, `[server]`,
 * `[logging]`, `[cloudflare]`, `ec.bot_gate`). Each section lives in `sections/`; every section is
 * validated at start-up, including those whose features arrive later (feature-status.ts says
 * which, and warns about them).
 */
import { uncoveredAdminRoutes } from './admin-coverage.ts';
import { array, object, str, type Infer } from './schema.ts';
import type { Secret } from './secret.ts';
import { auction } from './sections/auction.ts';
import { cache } from './sections/cache.ts';
import { consent } from './sections/consent.ts';
import { creativeOpportunities } from './sections/creative-opportunities.ts';
import { debug, testerCookie } from './sections/debug.ts';
import { ec } from './sections/ec.ts';
import { handlers } from './sections/handlers.ts';
import { integrations } from './sections/integrations.ts';
import { cloudflare, logging, server } from './sections/platform.ts';
import { proxy } from './sections/proxy.ts';
import { publisher } from './sections/publisher.ts';
import { requestSigning } from './sections/request-signing.ts';
import { responseHeaders } from './sections/response-headers.ts';
import { tinybird } from './sections/tinybird.ts';
import { geoSection } from './sections/geo.ts';
import { store } from './sections/store.ts';

export type { EnabledIntegrations } from './sections/integrations.ts';

/** Tables this server no longer takes, or does not take yet, each with what to do instead. */
const RETIRED = {
  synthetic:
    'upstream replaced [synthetic] with [ec]: write an [ec] table with passphrase = "<at least ' +
    '32 random characters>" (it takes the place of secret_key; from the environment, ' +
    'TRUSTED_SERVER__EC__PASSPHRASE) and remove [synthetic] (template, counter_store and ' +
    'opid_store have no equivalent: the Edge Cookie is derived from the passphrase)',
  image_optimizer:
    'the image optimizer (Fastly Image Optimizer profiles for asset routes) is not supported by ' +
    'this server yet; remove the table',
};

export const settingsSchema = object(
  {
    publisher,
    ec,
    integrations,
    handlers,
    response_headers: responseHeaders,
    request_signing: requestSigning.optional(),
    rewrite: object({ exclude_domains: array(str()).default(() => []) }).orEmpty(),
    auction: auction.orEmpty(),
    consent: consent.orEmpty(),
    creative_opportunities: creativeOpportunities.optional(),
    cache: cache.orEmpty(),
    debug: debug.orEmpty(),
    tester_cookie: testerCookie.orEmpty(),
    tinybird: tinybird.orEmpty(),
    proxy: proxy.orEmpty(),
    server: server.orEmpty(),
    logging: logging.orEmpty(),
    cloudflare: cloudflare.orEmpty(),
    store: store.orEmpty(),
    geo: geoSection.orEmpty(),
  },
  'configuration',
  { retired: RETIRED },
).refine((settings, report) => {
  const uncovered = uncoveredAdminRoutes({
    handlers: settings.handlers,
    signingEnabled: settings.request_signing?.enabled === true,
    identityGraph: settings.ec.ec_store !== undefined,
  });
  // Checked here as well as when Node builds its geo, so `config check` says it too.
  if (settings.geo.mode === 'headers' && settings.proxy.trusted_proxies.length === 0) {
    report.error(
      'geo.mode',
      '"headers" believes only peers in proxy.trusted_proxies, and none are configured: add the CDN or load balancer addresses there',
    );
  }
  if (uncovered.length > 0) {
    report.error(
      'handlers',
      `no handler protects ${uncovered.map((endpoint) => endpoint.route).join(', ')} ` +
        `(served because ${[...new Set(uncovered.map((endpoint) => endpoint.servedWhen))].join(' and ')}); ` +
        'add a [[handlers]] entry with path = "^/_ts/admin" and a strong password',
    );
  }
  const bundle = settings.integrations.prebid?.external_bundle_url;
  if (bundle !== undefined) {
    const host = new URL(bundle).hostname;
    if (!settings.proxy.allowed_domains.some((pattern) => hostAllowed(host, pattern))) {
      report.error(
        'integrations.prebid.external_bundle_url',
        `host "${host}" must be listed in proxy.allowed_domains (the bundle is fetched through the first-party proxy)`,
      );
    }
  }
});

/** `proxy.allowed_domains` matching: exact host, or `*.example.com` for it and its subdomains. */
function hostAllowed(host: string, pattern: string): boolean {
  const normalised = pattern.trim().toLowerCase();
  if (normalised.startsWith('*.')) {
    const base = normalised.slice(2);
    return host === base || host.endsWith(`.${base}`);
  }
  return host === normalised;
}

type DeepReadonly<T> = unknown extends T
  ? T
  : T extends RegExp | Secret | string | number | boolean | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? ReadonlyArray<DeepReadonly<U>>
      : { readonly [K in keyof T]: DeepReadonly<T[K]> };

/** The validated configuration. Deeply frozen at load, and typed read-only to match. */
export type Settings = DeepReadonly<Infer<typeof settingsSchema>>;
