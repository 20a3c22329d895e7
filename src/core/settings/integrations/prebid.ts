/** `[integrations.prebid]`: Prebid Server as an auction provider (upstream HEAD's keys). */
import { httpsUrl } from '../field-kinds.ts';
import { array, bool, httpUrl, int, jsonObject, map, object, oneOf, str } from '../schema.ts';
import { integration } from './integration.ts';

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const SRI_DIGEST_BYTES: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** Why a Subresource Integrity value is malformed, or undefined when it is well formed. */
function sriProblem(value: string): string | undefined {
  if (value.trim() !== value) return 'must not have leading or trailing spaces';
  for (const token of value.split(/\s+/)) {
    const dash = token.indexOf('-');
    const algorithm = dash === -1 ? '' : token.slice(0, dash);
    const expected = SRI_DIGEST_BYTES[algorithm];
    if (expected === undefined) return 'each entry must be sha256-, sha384- or sha512-<base64>';
    const digest = token.slice(dash + 1);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(digest)) return `the ${algorithm} digest must be base64`;
    const bytes = Math.floor((digest.replace(/=+$/, '').length * 3) / 4);
    if (bytes !== expected) return `the ${algorithm} digest must be ${expected} bytes`;
  }
  return undefined;
}

const gamSuffix = str().check((suffix) => {
  if (suffix.trim() !== suffix) return 'must not have leading or trailing spaces';
  if (!suffix.startsWith('/')) return 'must start with "/"';
  if (suffix === '/') return 'must name a path suffix, not "/"';
  return undefined;
});

const matcher = str().transform((text) => text.trim());

export const prebid = integration({
  enabled: bool().default(true),
  server_url: httpUrl(),
  account_id: str().optional(),
  timeout_ms: int({ min: 1, max: 60000 }).default(1000),
  bidders: array(str()).default(() => ['mocktioneer']),
  debug: bool().default(false),
  /** OpenRTB `test: 1`: bidders treat the auction as unbillable test traffic. */
  test_mode: bool().default(false),
  debug_query_params: str().optional(),
  script_patterns: array(str()).default(() => [
    '/prebid.js',
    '/prebid.min.js',
    '/prebidjs.js',
    '/prebidjs.min.js',
  ]),
  /** The generated Prebid bundle, served first-party; its host must be in proxy.allowed_domains. */
  external_bundle_url: httpsUrl().optional(),
  external_bundle_sha256: str()
    .check((hex) => (SHA256_HEX.test(hex) ? undefined : 'must be a 64-character hex SHA-256'))
    .optional(),
  external_bundle_sri: str().check(sriProblem).optional(),
  client_side_bidders: array(str()).default(() => []),
  excluded_gam_ad_unit_path_suffixes: array(gamSuffix).default(() => []),
  /** bidder → zone → params merged into that bidder's params for slots in that zone. */
  bid_param_zone_overrides: map(map(jsonObject({ nonEmpty: true }))).default(() => ({})),
  /** bidder → params merged into every request to that bidder. */
  bid_param_overrides: map(jsonObject({ nonEmpty: true })).default(() => ({})),
  bid_param_override_rules: array(
    object({
      when: object({ bidder: matcher.optional(), zone: matcher.optional() }).check((when) =>
        when.bidder === undefined && when.zone === undefined
          ? 'must set bidder, zone or both'
          : undefined,
      ),
      set: jsonObject({ nonEmpty: true }),
    }),
  ).default(() => []),
  consent_forwarding: oneOf(['both', 'openrtb_only', 'cookies_only']).default('both'),
  /** Drop `nurl`/`burl` when Prebid Server fires win notices itself. */
  suppress_nurl: bool().default(false),
  suppress_nurl_bidders: array(str()).default(() => []),
  /** Read by the bundle build (`ts prebid bundle` upstream), not by the server. */
  bundle: object({
    adapters: array(str()).check((list) =>
      list.length === 0 ? 'must list at least one adapter' : undefined,
    ),
    user_id_modules: array(str())
      .check((list) => (list.length === 0 ? 'must not be empty when present' : undefined))
      .optional(),
  }).optional(),
});
