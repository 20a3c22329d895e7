/**
 * Each integration's own keys. `[integrations.<id>]` tables are checked against these, so a typo
 * in a key or in the id is an error rather than a silently disabled partner.
 * Defaults follow the upstream Rust integrations.
 */
import {
  array,
  bool,
  httpUrl,
  int,
  json,
  map,
  num,
  object,
  str,
  type FieldBuilder,
  type InferShape,
  type Shape,
} from './schema.ts';

const cacheTtl = () => int({ min: 60, max: 86400 }).default(3600);

export const INTEGRATION_SHAPES = {
  prebid: {
    enabled: bool().default(true),
    server_url: httpUrl(),
    account_id: str().optional(),
    timeout_ms: int({ min: 1, max: 60000 }).default(1000),
    bidders: array(str()).default(() => ['mocktioneer']),
    debug: bool().default(false),
    debug_query_params: str().optional(),
    script_patterns: array(str()).default(() => [
      '/prebid.js',
      '/prebid.min.js',
      '/prebidjs.js',
      '/prebidjs.min.js',
    ]),
    bid_param_zone_overrides: map(map(json())).default(() => ({})),
  },
  testlight: {
    enabled: bool().default(false),
    endpoint: httpUrl(),
    timeout_ms: int({ min: 10, max: 60000 }).default(1000),
    shim_src: str().optional(),
    rewrite_scripts: bool().default(false),
  },
  nextjs: {
    enabled: bool().default(false),
    rewrite_attributes: array(str())
      .check((list) => (list.length === 0 ? 'must list at least one attribute' : undefined))
      .default(() => ['href', 'link', 'url']),
    // 0 means the default, as upstream.
    max_combined_payload_bytes: int({ min: 0 }).default(10 * 1024 * 1024),
  },
  permutive: {
    enabled: bool().default(true),
    organization_id: str(),
    workspace_id: str(),
    project_id: str({ nonEmpty: false }).default(''),
    api_endpoint: httpUrl().default('https://api.permutive.com'),
    secure_signals_endpoint: httpUrl().default('https://secure-signals.permutive.app'),
    cache_ttl_seconds: cacheTtl(),
    rewrite_sdk: bool().default(true),
  },
  lockr: {
    enabled: bool().default(true),
    app_id: str(),
    api_endpoint: httpUrl().default('https://identity.lockr.kr'),
    sdk_url: httpUrl().default('https://aim.loc.kr/identity-lockr-v1.0.js'),
    cache_ttl_seconds: cacheTtl(),
    rewrite_sdk: bool().default(true),
    rewrite_sdk_host: bool().default(true),
    origin_override: httpUrl().optional(),
  },
  didomi: {
    enabled: bool().default(true),
    sdk_origin: httpUrl().default('https://sdk.privacy-center.org'),
    api_origin: httpUrl().default('https://api.privacy-center.org'),
  },
  google_tag_manager: {
    enabled: bool().default(false),
    container_id: str().check((id) =>
      /^GTM-[A-Z0-9]{4,20}$/.test(id) ? undefined : `must look like GTM-XXXXXX, got "${id}"`,
    ),
    upstream_url: httpUrl().default('https://www.googletagmanager.com'),
    cache_max_age: int({ min: 60, max: 86400 }).default(900),
    max_beacon_body_size: int({ min: 1024, max: 1048576 }).default(65536),
  },
  datadome: {
    enabled: bool().default(false),
    sdk_origin: httpUrl().default('https://js.datadome.co'),
    api_origin: httpUrl().default('https://api-js.datadome.co'),
    cache_ttl_seconds: cacheTtl(),
    rewrite_sdk: bool().default(true),
  },
  gpt: {
    enabled: bool().default(true),
    script_url: httpUrl().default('https://securepubads.g.doubleclick.net/tag/js/gpt.js'),
    cache_ttl_seconds: cacheTtl(),
    rewrite_script: bool().default(true),
    slim_prebid_url: str().optional(),
  },
  aps: {
    enabled: bool().default(false),
    // Upstream accepts a string or an integer; we keep it as text.
    pub_id: json().check((value) =>
      (typeof value === 'string' && value.trim() !== '') ||
      (typeof value === 'number' && Number.isInteger(value))
        ? undefined
        : 'expected a non-empty string or an integer',
    ),
    endpoint: httpUrl().default('https://aax.amazon-adsystem.com/e/dtb/bid'),
    timeout_ms: int({ min: 1, max: 60000 }).default(800),
  },
  adserver_mock: {
    enabled: bool().default(false),
    endpoint: httpUrl(),
    timeout_ms: int({ min: 1, max: 60000 }).default(500),
    price_floor: num({ min: 0 }).optional(),
  },
} satisfies Record<string, Shape>;

export type IntegrationId = keyof typeof INTEGRATION_SHAPES;
export const INTEGRATION_IDS = Object.keys(INTEGRATION_SHAPES) as IntegrationId[];

export type IntegrationConfigs = {
  [K in IntegrationId]: InferShape<(typeof INTEGRATION_SHAPES)[K]>;
};

/** The strict form (every required key) and the form used when `enabled = false`. */
export function integrationFields(id: IntegrationId): {
  strict: FieldBuilder<unknown>;
  disabled: FieldBuilder<unknown>;
} {
  const shape: Shape = INTEGRATION_SHAPES[id];
  // A disabled section is inert, so its required keys may be left out; keys that are present are
  // still type-checked and unknown keys are still errors.
  const relaxed = Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [
      key,
      field.required ? (field as FieldBuilder<unknown>).optional() : field,
    ]),
  );
  return {
    strict: object(shape, `[integrations.${id}] table`),
    disabled: object(relaxed, `[integrations.${id}] table`),
  };
}
