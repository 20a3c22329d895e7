/**
 * Upstream's decision tests (`consent/mod.rs`), one row each, named after the upstream test.
 * Rows that upstream ran on a hand-built context build one here too; rows that ran the pipeline
 * run ours on real strings (made by the IAB encoder), with the clock injected. A `note` says
 * where our outcome differs from upstream's and why. Rows after the port cover what we added.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowsEcCreation,
  consentAllowsServerSideAuction,
  gateEidsByConsent,
  hasExplicitEcWithdrawal,
} from '../../src/core/consent/decisions.ts';
import { buildConsentContext } from '../../src/core/consent/pipeline.ts';
import type { ConsentSignals } from '../../src/core/consent/signals.ts';
import {
  emptyConsentContext,
  type ConsentContext,
  type GppConsent,
  type Jurisdiction,
  type TcfConsent,
  type UsPrivacy,
} from '../../src/core/consent/types.ts';
import { EMPTY_VENDOR_SET } from '../../src/core/consent/vendor-set.ts';
import type { GeoInfo } from '../../src/core/services.ts';
import {
  consentConfig,
  DAY_MS,
  DEFAULT_CONSENT,
  encodeTc,
  gppOf,
  NOW,
  TC_2022,
  TC_LENIENT_ONLY,
  type ConsentConfig,
} from './helpers.ts';

const GDPR: Jurisdiction = { kind: 'gdpr' };
const UNKNOWN: Jurisdiction = { kind: 'unknown' };
const NON_REGULATED: Jurisdiction = { kind: 'non-regulated' };
const us = (region: string): Jurisdiction => ({ kind: 'us-state', region });
const GEO_DE: GeoInfo = { country: 'DE' };
const GEO_CA: GeoInfo = { country: 'US', region: 'CA' };

/** A decoded TCF as upstream's `TcfBuilder` makes it: only the purposes named are consented. */
function tcf(purposes: number[], lastUpdatedMs = NOW): TcfConsent {
  return {
    version: 2,
    cmpId: 1,
    cmpVersion: 1,
    consentScreen: 0,
    consentLanguage: 'EN',
    vendorListVersion: 1,
    policyVersion: 4,
    createdMs: lastUpdatedMs,
    lastUpdatedMs,
    isServiceSpecific: true,
    useNonStandardTexts: false,
    purposeOneTreatment: false,
    publisherCountryCode: 'AA',
    purposeConsents: new Set(purposes),
    purposeLegitimateInterests: new Set(),
    specialFeatureOptins: new Set(),
    vendorConsents: EMPTY_VENDOR_SET,
    vendorLegitimateInterests: EMPTY_VENDOR_SET,
  };
}

function gpp(sectionIds: number[], extra: Partial<GppConsent> = {}): GppConsent {
  return { sectionIds, sectionUndecodable: false, ...extra };
}

function usp(optOutSale: UsPrivacy['optOutSale'], noticeGiven: UsPrivacy['noticeGiven'] = 'yes') {
  return { version: 1, noticeGiven, optOutSale, lspaCovered: 'not-applicable' } as const;
}

function ctx(jurisdiction: Jurisdiction, fields: Partial<ConsentContext> = {}): ConsentContext {
  return { ...emptyConsentContext(jurisdiction), ...fields };
}

function pipeline(
  signals: Partial<ConsentSignals>,
  geo: GeoInfo | null = null,
  config: ConsentConfig = DEFAULT_CONSENT,
  now = NOW,
): ConsentContext {
  return buildConsentContext({ gpc: false, ...signals }, geo, config, now);
}

/** Standalone and GPP-embedded TC strings that disagree on P1 + P4 (upstream's helper). */
function conflicting(
  standalone: { updated: string; eids: boolean },
  embedded: { updated: string; eids: boolean },
  config: ConsentConfig,
): ConsentContext {
  const tc = (side: { updated: string; eids: boolean }) =>
    encodeTc({ purposes: side.eids ? [1, 4] : [1], updated: new Date(side.updated) });
  return pipeline({ tc: tc(standalone), gpp: gppOf([[2, tc(embedded)]]) }, null, config);
}

interface Row {
  upstream: string;
  context: () => ConsentContext;
  ec?: boolean;
  withdrawal?: boolean;
  auction?: boolean;
  /** What `gateEidsByConsent` does with a non-empty list. */
  eids?: 'forwarded' | 'stripped';
  check?: (context: ConsentContext) => void;
  /** Why our outcome differs from upstream's, where it does. */
  note?: string;
}

const P1 = [1];
const P1_P4 = [1, 4];

const PORTED: Row[] = [
  {
    upstream: 'auction_allowed_for_known_non_gdpr_jurisdiction_without_tcf_signal',
    context: () => ctx(us('CA')),
    auction: true,
  },
  {
    upstream: 'auction_fails_closed_for_gdpr_jurisdiction_without_consent',
    context: () => ctx(GDPR),
    auction: false,
  },
  {
    upstream: 'auction_fails_closed_for_unknown_jurisdiction_without_consent',
    context: () => ctx(UNKNOWN),
    auction: false,
  },
  {
    upstream: 'auction_fails_closed_when_tcf_signal_present_without_purpose1',
    context: () => ctx(us('CA'), { gdprApplies: true, tcf: tcf([]) }),
    auction: false,
  },
  {
    upstream: 'auction_allowed_for_gdpr_jurisdiction_with_purpose1_consent',
    context: () => ctx(GDPR, { gdprApplies: true, tcf: tcf(P1) }),
    auction: true,
  },
  {
    upstream: 'auction_allowed_with_purpose1_via_gpp_eu_tcf_section',
    context: () => ctx(GDPR, { gdprApplies: true, gpp: gpp([2], { euTcf: tcf(P1) }) }),
    auction: true,
  },
  {
    upstream: 'missing_geo_keeps_unknown_jurisdiction_and_blocks_ec_creation',
    context: () => pipeline({}, null),
    ec: false,
    check: (c) => assert.deepEqual(c.jurisdiction, UNKNOWN),
  },
  {
    upstream: 'proxy_mode_marks_gdpr_when_raw_tc_exists',
    context: () => pipeline({ tc: 'CPXxGfAPXxGfA' }, null, consentConfig({ mode: 'proxy' })),
    check: (c) => {
      assert.equal(c.gdprApplies, true);
      assert.equal(c.raw.tc, 'CPXxGfAPXxGfA');
      assert.equal(c.tcf, undefined, 'nothing is decoded in proxy mode');
    },
  },
  {
    upstream: 'proxy_mode_marks_gdpr_when_gpp_sid_contains_tcf_section',
    context: () => pipeline({ gppSid: '2,6' }, null, consentConfig({ mode: 'proxy' })),
    check: (c) => assert.equal(c.gdprApplies, true),
  },
  {
    upstream: 'marks_gdpr_when_gpp_sid_contains_tcf_section_even_if_gpp_decode_fails',
    context: () => pipeline({ gpp: 'invalid-gpp', gppSid: '2,6' }),
    check: (c) => {
      assert.equal(c.gdprApplies, true);
      assert.equal(c.undecodable.gpp, true);
      assert.deepEqual(c.gppSectionIds, [2, 6]);
    },
  },
  {
    upstream: 'conflict_resolution_restrictive_prefers_denial',
    context: () =>
      conflicting(
        { updated: '2026-12-01', eids: true },
        { updated: '2026-12-02', eids: false },
        DEFAULT_CONSENT,
      ),
    eids: 'stripped',
    check: (c) => assert.equal(c.tcf?.purposeConsents.has(4), false),
  },
  {
    upstream: 'conflict_resolution_permissive_prefers_grant',
    context: () =>
      conflicting(
        { updated: '2026-12-01', eids: true },
        { updated: '2026-12-02', eids: false },
        consentConfig({ conflict: { mode: 'permissive' } }),
      ),
    eids: 'forwarded',
    check: (c) => assert.equal(c.tcf?.purposeConsents.has(4), true),
  },
  {
    upstream: 'conflict_resolution_newest_prefers_fresher_signal',
    context: () =>
      conflicting(
        { updated: '2026-12-03', eids: true },
        { updated: '2026-12-01', eids: false },
        consentConfig({ conflict: { mode: 'newest', freshness_threshold_days: 1 } }),
      ),
    eids: 'forwarded',
    check: (c) => assert.equal(c.tcf?.purposeConsents.has(4), true),
  },
  {
    upstream: 'expiration_clears_gpp_embedded_tcf',
    // The 2022 anchor string is past 395 days at the injected clock (2026-12-07).
    context: () => pipeline({ gpp: gppOf([[2, TC_2022]]) }),
    check: (c) => {
      assert.equal(c.expired, true);
      assert.ok(c.gpp !== undefined && c.gpp.euTcf === undefined);
      assert.equal(c.gdprApplies, true, 'section 2 is still there');
    },
  },
  {
    upstream: 'ec_allowed_gdpr_with_storage_consent',
    context: () => ctx(GDPR, { tcf: tcf(P1), gdprApplies: true }),
    ec: true,
  },
  {
    upstream: 'ec_blocked_gdpr_without_storage_consent',
    context: () => ctx(GDPR, { tcf: tcf([]), gdprApplies: true }),
    ec: false,
    withdrawal: true,
  },
  {
    upstream: 'ec_blocked_gdpr_no_tcf_data',
    context: () => ctx(GDPR, { gdprApplies: true }),
    ec: false,
    withdrawal: false,
  },
  {
    upstream: 'ec_allowed_gdpr_via_gpp_embedded_tcf',
    context: () => ctx(GDPR, { gpp: gpp([2], { euTcf: tcf(P1) }), gdprApplies: true }),
    ec: true,
  },
  {
    upstream: 'ec_allowed_us_state_no_optout',
    context: () => ctx(us('CA'), { usp: usp('no') }),
    ec: true,
  },
  {
    upstream: 'ec_blocked_us_state_opted_out',
    context: () => ctx(us('CA'), { usp: usp('yes') }),
    ec: false,
  },
  {
    upstream: 'ec_blocked_us_state_gpc_implies_optout',
    context: () => ctx(us('CA'), { gpc: true }),
    ec: false,
  },
  {
    upstream: 'ec_blocked_us_state_no_signals',
    context: () => ctx(us('CA')),
    ec: false,
  },
  {
    upstream: 'ec_allowed_non_regulated',
    context: () => ctx(NON_REGULATED),
    ec: true,
  },
  {
    upstream: 'ec_blocked_unknown_jurisdiction',
    context: () => ctx(UNKNOWN),
    ec: false,
    withdrawal: false,
  },
  {
    upstream: 'ec_blocked_us_state_gpc_overrides_us_privacy',
    context: () => ctx(us('CA'), { usp: usp('no'), gpc: true }),
    ec: false,
    withdrawal: true,
  },
  {
    upstream: 'ec_us_privacy_not_applicable_allows_ec',
    context: () => ctx(us('VA'), { usp: usp('not-applicable', 'not-applicable') }),
    ec: true,
  },
  {
    upstream: 'ec_allowed_us_state_tcf_with_storage_consent',
    context: () => ctx(us('TN'), { tcf: tcf(P1) }),
    ec: true,
  },
  {
    upstream: 'ec_blocked_us_state_tcf_without_storage_consent',
    context: () => ctx(us('TN'), { tcf: tcf([]) }),
    ec: false,
  },
  {
    upstream: 'ec_blocked_us_state_gpc_overrides_tcf',
    context: () => ctx(us('TN'), { tcf: tcf(P1), gpc: true }),
    ec: false,
  },
  {
    upstream: 'ec_blocked_us_state_us_privacy_opt_out_overrides_tcf',
    context: () => ctx(us('CA'), { tcf: tcf(P1), usp: usp('yes') }),
    ec: false,
    withdrawal: true,
  },
  {
    upstream: 'ec_allowed_us_state_gpp_no_sale_opt_out',
    context: () => ctx(us('TN'), { gpp: gpp([7], { usSaleOptOut: false }) }),
    ec: true,
  },
  {
    upstream: 'ec_blocked_us_state_gpp_sale_opted_out',
    context: () => ctx(us('TN'), { gpp: gpp([7], { usSaleOptOut: true }) }),
    ec: false,
    withdrawal: true,
  },
  {
    upstream: 'ec_blocked_us_state_gpc_overrides_gpp_us',
    context: () => ctx(us('TN'), { gpc: true, gpp: gpp([7], { usSaleOptOut: false }) }),
    ec: false,
  },
  {
    upstream: 'ec_us_state_gpp_us_opt_out_overrides_tcf',
    context: () => ctx(us('TN'), { tcf: tcf(P1), gpp: gpp([7], { usSaleOptOut: true }) }),
    ec: false,
    withdrawal: true,
  },
  {
    upstream: 'ec_us_state_us_privacy_opt_out_overrides_gpp_non_opt_out',
    context: () => ctx(us('TN'), { gpp: gpp([7], { usSaleOptOut: false }), usp: usp('yes') }),
    ec: false,
    withdrawal: true,
  },
  {
    upstream: 'ec_us_state_gpp_no_us_section_falls_through_to_us_privacy',
    context: () => ctx(us('CA'), { gpp: gpp([2]), usp: usp('no') }),
    ec: true,
  },
  {
    upstream: 'pipeline_persists_cookie_sourced_consent_to_kv',
    context: () => pipeline({ usp: '1YNN' }),
    check: (c) => {
      assert.equal(c.raw.usp, '1YNN');
      assert.equal(c.uspSource, 'cookie');
    },
    note: 'consent is never persisted here (upstream never wires it in production either)',
  },
  {
    upstream: 'pipeline_falls_back_to_kv_consent_when_request_has_no_signals',
    context: () => pipeline({}, GEO_CA),
    ec: false,
    check: (c) => assert.equal(c.raw.usp, undefined),
    note: 'no KV fallback: a request without signals has none, so a US state fails closed',
  },
  {
    upstream: 'pipeline_skips_kv_when_persistence_not_wired',
    context: () => pipeline({ usp: '1YNN' }, GEO_CA),
    ec: true,
    note: 'request-local only: the cookie decides, nothing is read or written elsewhere',
  },
];

const OURS: Row[] = [
  {
    upstream: '(ours) lenient_only_tc_string_is_undecodable_in_gdpr',
    context: () => pipeline({ tc: TC_LENIENT_ONLY }, GEO_DE),
    ec: false,
    withdrawal: false,
    auction: false,
    eids: 'stripped',
    check: (c) => assert.equal(c.undecodable.tc, true),
    note: 'upstream reads purposes 1–10 from it and allows the EC; the library rejects it',
  },
  {
    upstream: '(ours) undecodable_tc_blocks_us_state_creation_despite_usp_no',
    context: () => pipeline({ tc: 'garbage', usp: '1YNN' }, GEO_CA),
    ec: false,
    withdrawal: false,
    note: 'upstream ignores the unreadable TC string and allows via the US Privacy string',
  },
  {
    upstream: '(ours) undecodable_usp_cookie_is_no_withdrawal',
    context: () => pipeline({ usp: '1XYZ' }, GEO_CA),
    ec: false,
    withdrawal: false,
  },
  {
    upstream: '(ours) fresh_tc_with_p1_allows_ec_in_gdpr',
    context: () => pipeline({ tc: encodeTc({ purposes: P1_P4 }) }, GEO_DE),
    ec: true,
    withdrawal: false,
    auction: true,
    eids: 'forwarded',
  },
  {
    upstream: '(ours) 2022_tc_is_expired_under_395_days',
    context: () =>
      pipeline({ tc: encodeTc({ purposes: P1, updated: new Date('2022-04-20') }) }, GEO_DE),
    ec: false,
    withdrawal: false,
    check: (c) => assert.equal(c.expired, true),
  },
  {
    upstream: '(ours) 2022_tc_counts_with_its_own_clock',
    context: () =>
      pipeline(
        { tc: encodeTc({ purposes: P1, updated: new Date('2022-04-20') }) },
        GEO_DE,
        DEFAULT_CONSENT,
        Date.parse('2022-05-01'),
      ),
    ec: true,
  },
  {
    upstream: '(ours) expiry_off_keeps_old_tc',
    context: () =>
      pipeline(
        { tc: encodeTc({ purposes: P1, updated: new Date('2022-04-20') }) },
        GEO_DE,
        consentConfig({ check_expiration: false }),
      ),
    ec: true,
  },
  {
    upstream: '(ours) gpc_in_us_state_builds_policy_default_usp',
    context: () => pipeline({ gpc: true }, GEO_CA),
    ec: false,
    withdrawal: true,
    check: (c) => {
      assert.equal(c.raw.usp, '1YYN');
      assert.equal(c.uspSource, 'policy-default');
    },
  },
  {
    upstream: '(ours) gpc_default_follows_publisher_policy',
    context: () =>
      pipeline(
        { gpc: true },
        GEO_CA,
        consentConfig({ us_privacy_defaults: { notice_given: false, lspa_covered: true } }),
      ),
    check: (c) => assert.equal(c.raw.usp, '1NYY'),
  },
  {
    upstream: '(ours) gpc_outside_us_state_builds_nothing',
    context: () => pipeline({ gpc: true }, GEO_DE),
    check: (c) => assert.equal(c.usp, undefined),
  },
  {
    upstream: '(ours) gpp_usp_section_decides_when_no_cookie',
    context: () => pipeline({ gpp: 'DBABTA~1YNN' }, GEO_CA),
    ec: true,
    check: (c) => assert.equal(c.uspSource, 'gpp'),
    note: 'upstream reads US Privacy from the cookie only and fails closed here',
  },
  {
    upstream: '(ours) newest_within_threshold_falls_back_to_restrictive',
    context: () =>
      conflicting(
        { updated: '2026-12-01', eids: true },
        { updated: '2026-12-03', eids: false },
        consentConfig({ conflict: { mode: 'newest', freshness_threshold_days: 30 } }),
      ),
    eids: 'stripped',
  },
  {
    upstream: '(ours) no_tcf_outside_gdpr_forwards_eids',
    context: () => ctx(us('CA')),
    eids: 'forwarded',
  },
];

describe('consent decisions (upstream consent/mod.rs, row for row)', () => {
  for (const row of [...PORTED, ...OURS]) {
    it(row.upstream + (row.note === undefined ? '' : ` — ${row.note}`), () => {
      const context = row.context();
      if (row.ec !== undefined) assert.equal(allowsEcCreation(context), row.ec, 'EC creation');
      if (row.withdrawal !== undefined) {
        assert.equal(hasExplicitEcWithdrawal(context), row.withdrawal, 'explicit withdrawal');
      }
      if (row.auction !== undefined) {
        assert.equal(consentAllowsServerSideAuction(context), row.auction, 'auction');
      }
      if (row.eids !== undefined) {
        const eids = [{ source: 'a.example' }, { source: 'b.example' }];
        const gated = gateEidsByConsent(eids, context);
        assert.deepEqual(gated, row.eids === 'forwarded' ? eids : []);
      }
      row.check?.(context);
    });
  }

  it('ports every upstream decision test', () => {
    assert.equal(PORTED.length, 39);
  });

  it('returns a fresh array, and [] for no EIDs', () => {
    const eids = [{ source: 'a.example' }];
    const gated = gateEidsByConsent(eids, ctx(NON_REGULATED));
    assert.notEqual(gated, eids);
    assert.deepEqual(gateEidsByConsent([], ctx(NON_REGULATED)), []);
  });

  it('the day boundary of expiry is strict: exactly max age is still valid', () => {
    const updated = Date.parse('2026-01-01T00:00:00Z');
    const tc = encodeTc({ purposes: P1, updated: new Date(updated) });
    const at = (now: number) => pipeline({ tc }, GEO_DE, DEFAULT_CONSENT, now).expired;
    assert.equal(at(updated + 395 * DAY_MS), false);
    assert.equal(at(updated + 395 * DAY_MS + 1), true);
  });
});
