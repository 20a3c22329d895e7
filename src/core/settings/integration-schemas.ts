/**
 * Each integration's own keys. `[integrations.<id>]` tables are checked against these, so a typo
 * in a key or in the id is an error rather than a silently disabled partner.
 * Defaults follow the upstream Rust integrations at HEAD.
 */
import { aps } from './integrations/aps.ts';
import { datadome } from './integrations/datadome.ts';
import { integration, type IntegrationSchema } from './integrations/integration.ts';
import { prebid } from './integrations/prebid.ts';
import { array, bool, httpUrl, int, map, num, str, type Infer } from './schema.ts';

const cacheTtl = () => int({ min: 60, max: 86400 }).default(3600);

const SOURCEPOINT_CDN_HOST = 'cdn.privacy-mgmt.com';
const RESERVED_COOKIE_ATTRIBUTES = new Set([
  'domain',
  'path',
  'secure',
  'httponly',
  'samesite',
  'max-age',
  'expires',
]);

/** A path prefix of letters, digits and `-_.~/`, no empty or dot segments, no trailing `/`. */
function proxyPathProblem(path: string): string | undefined {
  const trimmed = path.replace(/^\/+/, '');
  if (trimmed === '') return 'must not be empty';
  if (trimmed.endsWith('/')) return 'must not end with "/"';
  if (trimmed.includes('//')) return 'must not contain "//"';
  if (trimmed.split('/').some((segment) => segment === '.' || segment === '..')) {
    return 'must not contain "." or ".." segments';
  }
  return /^[A-Za-z0-9\-_.~/]+$/.test(trimmed)
    ? undefined
    : 'may contain only letters, digits and - _ . ~ /';
}

export const INTEGRATIONS = {
  prebid,
  testlight: integration({
    enabled: bool().default(false),
    endpoint: httpUrl(),
    timeout_ms: int({ min: 10, max: 60000 }).default(1000),
    shim_src: str().optional(),
    rewrite_scripts: bool().default(false),
  }),
  nextjs: integration({
    enabled: bool().default(false),
    rewrite_attributes: array(str())
      .check((list) => (list.length === 0 ? 'must list at least one attribute' : undefined))
      .default(() => ['href', 'link', 'url']),
    // 0 means the default, as upstream.
    max_combined_payload_bytes: int({ min: 0 }).default(10 * 1024 * 1024),
  }),
  permutive: integration({
    enabled: bool().default(true),
    organization_id: str(),
    workspace_id: str(),
    project_id: str({ nonEmpty: false }).default(''),
    api_endpoint: httpUrl().default('https://api.permutive.com'),
    secure_signals_endpoint: httpUrl().default('https://secure-signals.permutive.app'),
    cache_ttl_seconds: cacheTtl(),
    rewrite_sdk: bool().default(true),
  }),
  lockr: integration({
    enabled: bool().default(true),
    app_id: str(),
    api_endpoint: httpUrl().default('https://identity.lockr.kr'),
    sdk_url: httpUrl().default('https://aim.loc.kr/identity-lockr-v1.0.js'),
    cache_ttl_seconds: cacheTtl(),
    rewrite_sdk: bool().default(true),
    rewrite_sdk_host: bool().default(true),
    origin_override: httpUrl().optional(),
  }),
  didomi: integration({
    enabled: bool().default(true),
    /** Where the SDK and API are proxied (default `/integrations/didomi/consent`). */
    proxy_path: str().check(proxyPathProblem).optional(),
    sdk_origin: httpUrl().default('https://sdk.privacy-center.org'),
    api_origin: httpUrl().default('https://api.privacy-center.org'),
  }),
  sourcepoint: integration(
    {
      enabled: bool().default(false),
      rewrite_sdk: bool().default(true),
      cdn_origin: httpUrl().default(`https://${SOURCEPOINT_CDN_HOST}`),
      /** A custom Sourcepoint auth cookie to forward (the standard set always is). */
      auth_cookie_name: str()
        .check((name) => {
          if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
            return 'must be 1 to 64 letters, digits, "_" or "-"';
          }
          return RESERVED_COOKIE_ATTRIBUTES.has(name.toLowerCase())
            ? 'must not be a cookie attribute name'
            : undefined;
        })
        .optional(),
      cache_ttl_seconds: cacheTtl(),
    },
    {
      whenEnabled: (config, report) => {
        // Every rewriting layer (HTML, JS bodies, the browser guard) names this host, so another
        // origin would be proxied but never rewritten to.
        const url = new URL(config.cdn_origin);
        if (url.hostname !== SOURCEPOINT_CDN_HOST) {
          report.error('cdn_origin', `host must be ${SOURCEPOINT_CDN_HOST}`);
        } else if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
          report.error('cdn_origin', 'must not have a path, query or fragment');
        }
      },
    },
  ),
  osano: integration({ enabled: bool().default(false) }),
  google_tag_manager: integration({
    enabled: bool().default(false),
    container_id: str().check((id) =>
      /^GTM-[A-Z0-9]{4,20}$/.test(id) ? undefined : `must look like GTM-XXXXXX, got "${id}"`,
    ),
    upstream_url: httpUrl().default('https://www.googletagmanager.com'),
    cache_max_age: int({ min: 60, max: 86400 }).default(900),
    max_beacon_body_size: int({ min: 1024, max: 1048576 }).default(65536),
  }),
  datadome,
  gpt: integration({
    enabled: bool().default(true),
    /** Page-level `ts=true` delivery attribution in GAM. */
    gam_attribution_enabled: bool().default(false),
    script_url: httpUrl().default('https://securepubads.g.doubleclick.net/tag/js/gpt.js'),
    cache_ttl_seconds: cacheTtl(),
    rewrite_script: bool().default(true),
    slim_prebid_url: str().optional(),
  }),
  gpt_diagnostics: integration({ enabled: bool().default(false) }),
  aps,
  adserver_mock: integration({
    enabled: bool().default(false),
    endpoint: httpUrl(),
    timeout_ms: int({ min: 1, max: 60000 }).default(500),
    price_floor: num({ min: 0 }).optional(),
    /** Auction-context key → query parameter name on the mediation request. */
    context_query_params: map(str()).default(() => ({})),
  }),
} satisfies Record<string, IntegrationSchema<{ enabled: boolean }>>;

export type IntegrationId = keyof typeof INTEGRATIONS;
export const INTEGRATION_IDS = Object.keys(INTEGRATIONS) as IntegrationId[];

export type IntegrationConfigs = {
  [K in IntegrationId]: Infer<(typeof INTEGRATIONS)[K]['strict']>;
};
