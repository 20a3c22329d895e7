/** `[consent]`: how consent signals are read and where privacy laws apply (upstream HEAD). */
import { twoLetterCode } from '../field-kinds.ts';
import { array, bool, int, makeFieldFrom, object, oneOf, str } from '../schema.ts';

/**
 * EU member states, the EEA's Iceland, Liechtenstein and Norway, and the UK. Not Switzerland: its
 * law mirrors the GDPR but is its own regime, so a publisher adds `CH` deliberately.
 */
export const GDPR_COUNTRIES = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV',
  'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO', 'GB',
] as const; // prettier-ignore

/** US states with a comprehensive privacy law in force (upstream's list). */
export const US_PRIVACY_STATES = [
  'CA', 'VA', 'CO', 'CT', 'UT', 'MT', 'OR', 'TX', 'FL', 'DE', 'IA', 'NE', 'NH', 'NJ', 'TN', 'MN',
  'MD', 'IN', 'KY', 'RI',
] as const; // prettier-ignore

const MIN_AGE_DAYS = 1;
const MAX_AGE_DAYS = 3650;

/**
 * Upstream clamps an out-of-range age to 1–3650 days with a warning rather than refusing it; the
 * clamp is kept, and the warning names the key.
 */
const consentAgeDays = makeFieldFrom('integer', (value, path, ctx) => {
  const days = int({ min: 0 }).parse(value, path, ctx);
  if (days === undefined) return undefined;
  const clamped = Math.min(MAX_AGE_DAYS, Math.max(MIN_AGE_DAYS, days));
  if (clamped !== days) {
    ctx.warn(path, `${days} is outside ${MIN_AGE_DAYS}–${MAX_AGE_DAYS} days; using ${clamped}`);
  }
  return clamped;
});

export const consent = object({
  /** `interpreter`: decode consent strings; `proxy`: forward them undecoded. */
  mode: oneOf(['interpreter', 'proxy']).default('interpreter'),
  check_expiration: bool().default(true),
  /** TCF recommends 13 months. */
  max_consent_age_days: consentAgeDays.default(395),
  gdpr: object({
    applies_in: array(twoLetterCode('two-letter country code')).default(() => [...GDPR_COUNTRIES]),
  }).orEmpty(),
  us_states: object({
    privacy_states: array(twoLetterCode('two-letter US state code')).default(() => [
      ...US_PRIVACY_STATES,
    ]),
  }).orEmpty(),
  /** Used to build a US Privacy string when only `Sec-GPC` is present: publisher policy. */
  us_privacy_defaults: object({
    notice_given: bool().default(true),
    lspa_covered: bool().default(false),
    gpc_implies_optout: bool().default(true),
  }).orEmpty(),
  /** When TCF and GPP strings disagree. */
  conflict_resolution: object({
    mode: oneOf(['restrictive', 'newest', 'permissive']).default('restrictive'),
    freshness_threshold_days: int({ min: 0 }).default(30),
  }).orEmpty(),
  /** Read by nothing upstream (consent is never persisted there): accepted, warned about. */
  consent_store: str().optional(),
});
