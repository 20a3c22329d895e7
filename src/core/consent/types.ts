/**
 * What a request's consent signals say once read, decoded and judged: the shapes the decisions
 * (decisions.ts) and, later, the auction's consent forwarding work from. Everything here is
 * immutable: decoded strings are memoised and shared between requests.
 */
import type { VendorSet } from './vendor-set.ts';

export type { VendorSet } from './vendor-set.ts';

/** The privacy regime a request falls under, from its geo and `[consent]` (jurisdiction.ts). */
export type Jurisdiction =
  | { readonly kind: 'gdpr' }
  | { readonly kind: 'us-state'; readonly region: string }
  | { readonly kind: 'non-regulated' }
  /** No geo: nothing can be decided, so every decision that needs consent fails closed. */
  | { readonly kind: 'unknown' };

/** The core segment of a TCF v2 TC string (tcf.ts): the fields the decisions and the auction read. */
export interface TcfConsent {
  readonly version: 2;
  readonly cmpId: number;
  readonly cmpVersion: number;
  readonly consentScreen: number;
  /** Two upper-case letters (`EN`). */
  readonly consentLanguage: string;
  readonly vendorListVersion: number;
  readonly policyVersion: number;
  /** Milliseconds since the epoch (the string holds deciseconds). */
  readonly createdMs: number;
  readonly lastUpdatedMs: number;
  /** The consent applies to this site only, not to a shared (global) scope. */
  readonly isServiceSpecific: boolean;
  readonly useNonStandardTexts: boolean;
  /** Purpose 1 was not disclosed because the publisher's country does not require it. */
  readonly purposeOneTreatment: boolean;
  /** Two upper-case letters (`DE`). */
  readonly publisherCountryCode: string;
  /** Purposes 1–24 the user consented to. */
  readonly purposeConsents: ReadonlySet<number>;
  readonly purposeLegitimateInterests: ReadonlySet<number>;
  /** Special features 1–12 the user opted in to. */
  readonly specialFeatureOptins: ReadonlySet<number>;
  /** Range-aware: a string's ranges are never expanded into their members. */
  readonly vendorConsents: VendorSet;
  readonly vendorLegitimateInterests: VendorSet;
}

/** `Y` / `N` / `-` of a US Privacy string. */
export type PrivacyFlag = 'yes' | 'no' | 'not-applicable';

/** The four-character IAB US Privacy (CCPA) string. */
export interface UsPrivacy {
  readonly version: 1;
  readonly noticeGiven: PrivacyFlag;
  readonly optOutSale: PrivacyFlag;
  readonly lspaCovered: PrivacyFlag;
}

/** Where the effective US Privacy value came from. */
export type UspSource = 'cookie' | 'gpp' | 'policy-default';

/** A decoded GPP string: the header and the sections the decisions use. */
export interface GppConsent {
  /** Section IDs in header order. */
  readonly sectionIds: readonly number[];
  /** Section 2 (TCF EU v2), through the same decoder as `euconsent-v2`. */
  readonly euTcf?: TcfConsent;
  /** Section 6 (US Privacy v1). */
  readonly usp?: UsPrivacy;
  /**
   * Sale opt-out over the US sections 7–23: true if any readable section says opted out, false if
   * at least one says not opted out and none says opted out, absent otherwise.
   */
  readonly usSaleOptOut?: boolean;
  /**
   * A section the decisions read (2, 6, or a US section 7–23) was present but could not be read.
   * The header itself was fine.
   */
  readonly sectionUndecodable: boolean;
}

/** The raw strings as sent (or, for `usp`, as built from GPC): forwarded, never logged. */
export interface RawConsentStrings {
  readonly tc?: string;
  readonly gpp?: string;
  readonly gppSid?: string;
  /** The `us_privacy` cookie, or the string built from `Sec-GPC` and publisher policy. */
  readonly usp?: string;
}

/** Which present signals could not be decoded. Any one of them fails ID creation closed. */
export interface UndecodableSignals {
  readonly tc: boolean;
  readonly gpp: boolean;
  readonly usp: boolean;
}

export interface ConsentContext {
  /** `proxy`: strings forwarded as sent, nothing decoded (`[consent].mode`). */
  readonly mode: 'interpreter' | 'proxy';
  readonly jurisdiction: Jurisdiction;
  /** A TC string was sent, or the GPP section IDs (decoded, else `__gpp_sid`) include 2. */
  readonly gdprApplies: boolean;
  /**
   * The TCF the decisions use first: the standalone TC string, or the GPP-embedded one when
   * conflict resolution chose it. Absent when undecodable, expired or never sent.
   */
  readonly tcf?: TcfConsent;
  readonly gpp?: GppConsent;
  /** From the decoded GPP header, else from `__gpp_sid`. */
  readonly gppSectionIds?: readonly number[];
  readonly usp?: UsPrivacy;
  readonly uspSource?: UspSource;
  readonly gpc: boolean;
  /** The effective TCF was older than `max_consent_age_days` and was dropped. */
  readonly expired: boolean;
  readonly undecodable: UndecodableSignals;
  readonly raw: RawConsentStrings;
}

const NOTHING_UNDECODABLE: UndecodableSignals = Object.freeze({
  tc: false,
  gpp: false,
  usp: false,
});

/**
 * A context with no signals in the given jurisdiction (unknown by default): what a route that
 * reads no consent (batch sync) passes on, and the base the tests build on.
 */
export function emptyConsentContext(
  jurisdiction: Jurisdiction = { kind: 'unknown' },
): ConsentContext {
  return {
    mode: 'interpreter',
    jurisdiction,
    gdprApplies: false,
    gpc: false,
    expired: false,
    undecodable: NOTHING_UNDECODABLE,
    raw: {},
  };
}
