/**
 * From a request's raw consent signals to the context every consent decision reads, in upstream's
 * order (its `build_consent_context`):
 *
 * 1. `mode = "proxy"`: keep the raw strings for forwarding, decode nothing;
 * 2. decode the TC string, the GPP string and the US Privacy cookie (undecodable is recorded);
 * 3. jurisdiction from geo;
 * 4. TCF conflict resolution, when the standalone and GPP-embedded TCF disagree on P1 + P4;
 * 5. expiry: an effective TCF older than `max_consent_age_days` is dropped;
 * 6. `Sec-GPC` in a US privacy state with no US Privacy value gives the publisher's default.
 *
 * Pure: the clock is a parameter, nothing is logged (status.ts gives the caller safe fields).
 */
import type { Settings } from '../settings/settings-schema.ts';
import type { GeoInfo } from '../services.ts';
import { decodeGppString, parseGppSid } from './gpp.ts';
import { detectJurisdiction } from './jurisdiction.ts';
import type { ConsentSignals } from './signals.ts';
import { decodeTcString } from './tcf.ts';
import type {
  ConsentContext,
  GppConsent,
  Jurisdiction,
  RawConsentStrings,
  TcfConsent,
  UsPrivacy,
  UspSource,
} from './types.ts';
import { decodeUsPrivacy, encodeUsPrivacy } from './usp.ts';

type ConsentConfig = Settings['consent'];

const DAY_MS = 86_400_000;
const SECTION_TCF_EU_V2 = 2;

function rawStrings(signals: ConsentSignals): RawConsentStrings {
  return {
    ...(signals.tc === undefined ? {} : { tc: signals.tc }),
    ...(signals.gpp === undefined ? {} : { gpp: signals.gpp }),
    ...(signals.gppSid === undefined ? {} : { gppSid: signals.gppSid }),
    ...(signals.usp === undefined ? {} : { usp: signals.usp }),
  };
}

function hasEuTcfSignal(rawTc: boolean, sectionIds: readonly number[] | undefined): boolean {
  return rawTc || (sectionIds?.includes(SECTION_TCF_EU_V2) ?? false);
}

/** What conflict resolution compares: may this consent carry EIDs (P1 storage, P4 ads)? */
export function allowsEidTransmission(tcf: TcfConsent): boolean {
  return tcf.purposeConsents.has(1) && tcf.purposeConsents.has(4);
}

/**
 * Whether the GPP-embedded TCF replaces the standalone one when they disagree. `newest` takes a
 * signal only when it is newer by more than the threshold; otherwise it falls back to restrictive.
 */
function gppWinsConflict(standalone: TcfConsent, embedded: TcfConsent, config: ConsentConfig) {
  const gppAllows = allowsEidTransmission(embedded);
  const { mode, freshness_threshold_days: days } = config.conflict_resolution;
  if (mode === 'permissive') return gppAllows;
  if (mode === 'newest') {
    const threshold = days * DAY_MS;
    if (standalone.lastUpdatedMs - embedded.lastUpdatedMs > threshold) return false;
    if (embedded.lastUpdatedMs - standalone.lastUpdatedMs > threshold) return true;
  }
  return !gppAllows;
}

function resolveConflict(
  standalone: TcfConsent | undefined,
  gpp: GppConsent | undefined,
  config: ConsentConfig,
): TcfConsent | undefined {
  const embedded = gpp?.euTcf;
  if (standalone === undefined || embedded === undefined) return standalone;
  if (allowsEidTransmission(standalone) === allowsEidTransmission(embedded)) return standalone;
  return gppWinsConflict(standalone, embedded, config) ? embedded : standalone;
}

/** A future `lastUpdated` counts as age 0, as upstream's saturating subtraction does. */
function isExpired(tcf: TcfConsent, nowMs: number, config: ConsentConfig): boolean {
  return Math.max(0, nowMs - tcf.lastUpdatedMs) > config.max_consent_age_days * DAY_MS;
}

function withoutEuTcf(gpp: GppConsent): GppConsent {
  const rest = { ...gpp };
  delete rest.euTcf;
  return Object.freeze(rest);
}

/** The effective US Privacy value: the cookie, else GPP section 6, else the GPC default. */
function usPrivacy(
  cookie: UsPrivacy | undefined,
  gpp: GppConsent | undefined,
  gpc: boolean,
  jurisdiction: Jurisdiction,
  config: ConsentConfig,
): { usp: UsPrivacy; source: UspSource } | undefined {
  if (cookie !== undefined) return { usp: cookie, source: 'cookie' };
  if (gpp?.usp !== undefined) return { usp: gpp.usp, source: 'gpp' };
  const defaults = config.us_privacy_defaults;
  if (!gpc || jurisdiction.kind !== 'us-state' || !defaults.gpc_implies_optout) return undefined;
  // The publisher's posture, not the user's words: notice and LSPA come from `[consent]`.
  const usp: UsPrivacy = Object.freeze({
    version: 1,
    noticeGiven: defaults.notice_given ? 'yes' : 'no',
    optOutSale: 'yes',
    lspaCovered: defaults.lspa_covered ? 'yes' : 'no',
  });
  return { usp, source: 'policy-default' };
}

export function buildConsentContext(
  signals: ConsentSignals,
  geo: GeoInfo | null,
  config: ConsentConfig,
  nowMs: number,
): ConsentContext {
  const jurisdiction = detectJurisdiction(geo, config);
  const raw = rawStrings(signals);
  const sidHint = signals.gppSid === undefined ? undefined : parseGppSid(signals.gppSid);

  if (config.mode === 'proxy') {
    return {
      mode: 'proxy',
      jurisdiction,
      gdprApplies: hasEuTcfSignal(raw.tc !== undefined, sidHint),
      ...(sidHint === undefined ? {} : { gppSectionIds: sidHint }),
      gpc: signals.gpc,
      expired: false,
      undecodable: { tc: false, gpp: false, usp: false },
      raw,
    };
  }

  const standalone = signals.tc === undefined ? undefined : decodeTcString(signals.tc);
  let gpp = signals.gpp === undefined ? undefined : decodeGppString(signals.gpp);
  const cookieUsp = signals.usp === undefined ? undefined : decodeUsPrivacy(signals.usp);
  const undecodable = {
    tc: signals.tc !== undefined && standalone === undefined,
    gpp: signals.gpp !== undefined && (gpp === undefined || gpp.sectionUndecodable),
    usp: signals.usp !== undefined && cookieUsp === undefined,
  };
  // The decoded header is authoritative; `__gpp_sid` is only a hint for when it is missing.
  const gppSectionIds = gpp?.sectionIds ?? sidHint;

  let tcf = resolveConflict(standalone, gpp, config);

  let expired = false;
  const effective = tcf ?? gpp?.euTcf;
  if (config.check_expiration && effective !== undefined && isExpired(effective, nowMs, config)) {
    expired = true;
    tcf = undefined;
    if (gpp?.euTcf !== undefined) gpp = withoutEuTcf(gpp);
  }

  const resolvedUsp = usPrivacy(cookieUsp, gpp, signals.gpc, jurisdiction, config);
  const rawWithUsp =
    resolvedUsp?.source === 'policy-default'
      ? { ...raw, usp: encodeUsPrivacy(resolvedUsp.usp) }
      : raw;

  return {
    mode: 'interpreter',
    jurisdiction,
    gdprApplies: hasEuTcfSignal(raw.tc !== undefined, gppSectionIds),
    ...(tcf === undefined ? {} : { tcf }),
    ...(gpp === undefined ? {} : { gpp }),
    ...(gppSectionIds === undefined ? {} : { gppSectionIds }),
    ...(resolvedUsp === undefined ? {} : { usp: resolvedUsp.usp, uspSource: resolvedUsp.source }),
    gpc: signals.gpc,
    expired,
    undecodable,
    raw: rawWithUsp,
  };
}
