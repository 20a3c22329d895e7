/**
 * `[integrations.datadome]`: DataDome's browser tag, first-party, and its server-side Protection
 * API (upstream HEAD's keys, defaults and start-up rules).
 */
import { cidr, httpMethod, httpsUrlProblem, portableRegex } from '../field-kinds.ts';
import {
  array,
  bool,
  httpUrl,
  int,
  isPlainObject,
  json,
  makeFieldFrom,
  map,
  object,
  str,
  unwrap,
  type Field,
  type Shape,
} from '../schema.ts';
import { integration } from './integration.ts';

const nonEmpty =
  <T>(what: string) =>
  (list: readonly T[]) =>
    list.length === 0 ? `must list at least one ${what}` : undefined;

const asn = () => int({ min: 0, max: 4294967295 });

/** Matcher-specific keys of an exclusion rule, chosen by its `type`. */
const MATCHERS: Readonly<Record<string, Shape>> = {
  path_exact: { paths: array(str()).check(nonEmpty('path')) },
  path_prefix: { prefixes: array(str()).check(nonEmpty('prefix')) },
  path_regex: { patterns: array(portableRegex()).check(nonEmpty('pattern')) },
  query_param_non_empty: { names: array(str()).check(nonEmpty('name')) },
  asn: { values: array(asn()).check(nonEmpty('value')) },
  ip_cidr: { cidrs: array(cidr()).check(nonEmpty('range')) },
  ip_cidr_source: { config_store: str(), key: str() },
};

const RULE_KEYS: Shape = {
  id: str().optional(),
  /** The old name of `id`. */
  name: str().optional(),
  enabled: bool().default(true),
  /** Methods the rule applies to; empty: every method. */
  methods: array(httpMethod()).default(() => []),
  type: str(),
};

/** Each matcher type's full table: the common keys plus its own, `name` folded into `id`. */
const RULE_TABLES: ReadonlyMap<string, Field<Record<string, unknown>>> = new Map(
  Object.entries(MATCHERS).map(([type, keys]) => [
    type,
    object({ ...RULE_KEYS, ...keys }, 'exclusion rule table')
      .refine((rule, report) => {
        if (rule['id'] !== undefined && rule['name'] !== undefined) {
          report.error('name', 'is the old name of id: give only id');
        } else if (rule['id'] === undefined && rule['name'] === undefined) {
          report.error('id', 'missing required string');
        }
      })
      .transform(({ name, ...rule }) => ({ ...rule, id: rule['id'] ?? name })),
  ]),
);

const ALL_RULE_KEYS: Shape = Object.assign({}, RULE_KEYS, ...Object.values(MATCHERS)) as Shape;

/**
 * One `protection_exclusion_rules` entry. Which keys are valid depends on its `type`, so the
 * table is checked against the one that type selects.
 */
const exclusionRule: Field<Record<string, unknown>> = makeFieldFrom(
  'exclusion rule table',
  (value, path, ctx) => {
    const type = isPlainObject(value) ? unwrap(value['type']) : undefined;
    const table = typeof type === 'string' ? RULE_TABLES.get(type) : undefined;
    if (table === undefined) {
      ctx.report(
        `${path}.type`,
        `expected one of ${Object.keys(MATCHERS)
          .map((name) => `"${name}"`)
          .join(', ')}`,
        value,
      );
      return undefined;
    }
    return table.parse(value, path, ctx);
  },
  false,
  { kind: 'object', shape: ALL_RULE_KEYS },
);

/** Upstream's default rule: static assets are never sent to the Protection API. */
const STATIC_ASSETS = new RegExp(
  String.raw`\.(avi|flv|mka|mkv|mov|mp4|mpeg|mpg|mp3|flac|ogg|ogm|opus|wav|webm|webp|bmp|gif|ico|jpeg|jpg|png|svg|svgz|swf|eot|otf|ttf|woff|woff2|css|less|js|map)$`,
  'ui',
);

/** Characters that would break out of the injected `<script src="…">` attribute. */
const UNSAFE_TAG_PATH = /[\s"'<>`]|\p{Cc}/u;

export const datadome = integration(
  {
    enabled: bool().default(false),
    sdk_origin: httpUrl().default('https://js.datadome.co'),
    api_origin: httpUrl().default('https://api-js.datadome.co'),
    cache_ttl_seconds: int({ min: 60, max: 86400 }).default(3600),
    rewrite_sdk: bool().default(true),
    /** Ask the Protection API about each request before routing it. */
    enable_protection: bool().default(false),
    server_side_key_secret_store: str().default('ts_secrets'),
    server_side_key_secret_name: str().default('datadome_server_side_key'),
    protection_api_origin: httpUrl().default('https://api-fastly.datadome.co'),
    timeout_ms: int({ min: 1, max: 10000 }).default(1500),
    protection_excluded_methods: array(httpMethod()).default(() => ['OPTIONS']),
    protection_excluded_asns: array(asn()).default(() => []),
    protection_excluded_ip_cidrs: array(cidr()).default(() => []),
    protection_excluded_ip_cidr_sources: array(
      object({ config_store: str().default('datadome-ip-bypass'), key: str() }),
    ).default(() => []),
    protection_ip_list_cache_ttl_seconds: int({ min: 1, max: 86400 }).default(300),
    protection_exclusion_rules: array(exclusionRule).default(() => [
      {
        id: 'default-static-assets',
        enabled: true,
        methods: [],
        type: 'path_regex',
        patterns: [STATIC_ASSETS],
      },
    ]),
    /** Staging only: a static header that skips the Protection API. */
    protection_test_bypass: object({
      enabled: bool().default(false),
      credential_secret_store: str().default('ts_secrets'),
      credential_secret_name: str().default('datadome_test_bypass'),
    }).optional(),
    /** Reserved upstream; no effect. */
    enable_graphql_support: bool().default(false),
    client_side_key: str({ nonEmpty: false }).default(''),
    inject_client_side_tag: bool().default(true),
    client_side_tag_url: str().default('/integrations/datadome/tags.js'),
    /** Assigned to `window.ddoptions` before the tag loads. */
    client_side_configuration: map(json()).default(() => ({ ajaxListenerPath: true })),
  },
  {
    whenEnabled: (config, report) => {
      if (config.enable_protection) {
        const problem = httpsUrlProblem(config.protection_api_origin, true);
        if (problem !== undefined) report.error('protection_api_origin', problem);
      }
      if (config.protection_test_bypass?.enabled === true && !config.enable_protection) {
        report.error('protection_test_bypass', 'needs enable_protection = true');
      }
      const tag = config.client_side_tag_url;
      if (config.inject_client_side_tag) {
        if (tag.startsWith('/') && !tag.startsWith('//')) {
          if (UNSAFE_TAG_PATH.test(tag)) {
            report.error('client_side_tag_url', 'must not contain spaces, quotes or < > `');
          }
        } else if (httpsUrlProblem(tag) !== undefined) {
          report.error('client_side_tag_url', 'must be a root-relative path or an https:// URL');
        }
      }
      if (config.enable_graphql_support) {
        report.warn('enable_graphql_support', 'reserved upstream; has no effect');
      }
    },
  },
);
