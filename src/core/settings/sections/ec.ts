/**
 * `[ec]`: the Edge Cookie (first-party ID) and the partners that sync IDs with it. Upstream HEAD's
 * keys, defaults and start-up rules (`settings.rs` `Ec`/`EcPartner`, `ec/registry.rs`), plus this
 * project's `bot_gate` (decision D4).
 */
import { dnsNameProblem, httpsUrlProblem, longSecret } from '../field-kinds.ts';
import { array, bool, int, object, oneOf, secret, str } from '../schema.ts';

/** HMAC key material and partner tokens: upstream's minimum, 32 bytes. */
export const MIN_KEY_BYTES = 32;

const U32_MAX = 4294967295;

const partner = object({
  name: str(),
  /** The partner's OpenRTB `source.domain`, normalised (lower case, no trailing dot). */
  source_domain: str({ nonEmpty: false })
    .check((domain) => dnsNameProblem(domain, true))
    .transform((domain) => domain.replace(/\.$/, '').toLowerCase()),
  openrtb_atype: int({ min: 0, max: 2147483647 }).default(3),
  bidstream_enabled: bool().default(false),
  api_token: longSecret(MIN_KEY_BYTES),
  batch_rate_limit: int({ min: 1, max: U32_MAX }).default(60),
  pull_sync_enabled: bool().default(false),
  pull_sync_url: str().optional(),
  pull_sync_allowed_domains: array(str()).default(() => []),
  pull_sync_ttl_sec: int({ min: 0 }).default(86400),
  pull_sync_rate_limit: int({ min: 1, max: U32_MAX }).default(10),
  ts_pull_token: secret().optional(),
}).refine((entry, report) => {
  // Upstream checks the pull-sync keys together, and only for a partner that pulls.
  if (!entry.pull_sync_enabled) return;
  if (entry.pull_sync_url === undefined) {
    report.error('pull_sync_url', 'required when pull_sync_enabled = true');
  } else {
    const problem = httpsUrlProblem(entry.pull_sync_url);
    if (problem !== undefined) report.error('pull_sync_url', problem);
    else {
      const host = new URL(entry.pull_sync_url).hostname.replace(/\.$/, '');
      const allowed = entry.pull_sync_allowed_domains.map((domain) =>
        domain.replace(/\.$/, '').toLowerCase(),
      );
      if (!allowed.includes(host)) {
        report.error(
          'pull_sync_url',
          `host "${host}" is not in pull_sync_allowed_domains (list it there to allow the call)`,
        );
      }
    }
  }
  if (entry.ts_pull_token === undefined) {
    report.error('ts_pull_token', 'required when pull_sync_enabled = true');
  }
});

export const ec = object({
  /** HMAC key of the Edge Cookie. Long-lived: changing it changes every reader's ID. */
  passphrase: longSecret(MIN_KEY_BYTES),
  /** The KV store of the identity graph; without one no Edge Cookie is issued (upstream rule). */
  ec_store: str().optional(),
  pull_sync_concurrency: int({ min: 1, max: 1000 }).default(3),
  cluster_trust_threshold: int({ min: 0, max: U32_MAX }).default(10),
  cluster_recheck_secs: int({ min: 0 }).default(3600),
  /**
   * Which signal keeps crawlers from minting IDs (decision D4): `ja4` (TLS fingerprint), `ua`
   * (user agent + Fetch-Metadata), `off`. Unset: `ja4` where the platform has JA4, else `ua`.
   */
  bot_gate: oneOf(['ja4', 'ua', 'off']).optional(),
  partners: array(partner).default(() => []),
}).refine((section, report) => {
  const domains = new Map<string, number>();
  const tokens = new Map<string, number>();
  section.partners.forEach((entry, index) => {
    const sameDomain = domains.get(entry.source_domain);
    if (sameDomain !== undefined) {
      report.error(
        `partners[${index}].source_domain`,
        `"${entry.source_domain}" is already partners[${sameDomain}]'s; each partner needs its own`,
      );
    } else domains.set(entry.source_domain, index);
    // Tokens authenticate partners, so two partners sharing one could act as each other.
    const token = entry.api_token.reveal();
    const sameToken = tokens.get(token);
    if (sameToken !== undefined) {
      report.error(
        `partners[${index}].api_token`,
        `same token as partners[${sameToken}].api_token; each partner needs its own (value hidden: secret)`,
      );
    } else tokens.set(token, index);
  });
});
