/**
 * TCF v2 TC strings (`euconsent-v2`, GPP section 2), read by our own decoder. The IAB's
 * `@iabtechlabtcf/core` is the reference it is tested against (test/consent/differential.test.ts)
 * but is not used here: it cost 41 µs a string and expanded vendor ranges one ID at a time (one
 * 3.9 KB cookie: 1.15 s of CPU), and added 33 KB to the edge bundles (docs/consent.md).
 *
 * Strict, so that a malformed string is undecodable and fails closed in the decisions: the string
 * must be base64url, version 2, hold every bit each field needs (missing bits are never read as
 * zeros, unlike upstream's reader), name a CMP ID of 2 or more (as the library), spell its
 * language and publisher country with letters A–Z (the library takes any six-bit value there), and
 * carry well-formed vendor vectors, publisher restrictions (tcf-vectors.ts) and optional segments
 * (tcf-segments.ts). Upstream's test vector `CPXxGfAPXxGfAAHABBENBCCsAP_AAH_AAAAAHftf` ends inside
 * its vendor bitfield: upstream decodes it, the library and we do not.
 */
import { bitReader, type BitReader } from './base64url-bits.ts';
import { createMemo } from './memo.ts';
import { optionalSegmentsValid } from './tcf-segments.ts';
import { readFixedSet, readVendorVector, skipPublisherRestrictions } from './tcf-vectors.ts';
import type { TcfConsent } from './types.ts';

/** Upstream's limit: a longer cookie is refused before any parsing. */
export const MAX_TC_STRING_LENGTH = 4096;
/** Distinct strings remembered; a reader sends the same one on every request. */
const MEMO_ENTRIES = 256;

const SUPPORTED_VERSION = 2;
/** CMP IDs 0 and 1 are not assigned; the library refuses them too. */
const LOWEST_CMP_ID = 2;
const DECISECOND_MS = 100;
const LETTER_BITS = 6;
const LETTERS_IN_ALPHABET = 26;

/** Two six-bit letters (0 = A); undefined unless both are A–Z. */
function readLetters(reader: BitReader): string | undefined {
  const first = reader.read(LETTER_BITS);
  const second = reader.read(LETTER_BITS);
  if (first === undefined || second === undefined) return undefined;
  if (first >= LETTERS_IN_ALPHABET || second >= LETTERS_IN_ALPHABET) return undefined;
  return String.fromCharCode(65 + first, 65 + second);
}

/** The core segment, field by field in the order the TCF v2.2 format lays them out. */
function readCore(reader: BitReader): TcfConsent | undefined {
  if (reader.read(6) !== SUPPORTED_VERSION) return undefined;
  const created = reader.read(36);
  const lastUpdated = reader.read(36);
  const cmpId = reader.read(12);
  const cmpVersion = reader.read(12);
  const consentScreen = reader.read(6);
  const consentLanguage = readLetters(reader);
  const vendorListVersion = reader.read(12);
  const policyVersion = reader.read(6);
  const isServiceSpecific = reader.read(1);
  const useNonStandardTexts = reader.read(1);
  const specialFeatureOptins = readFixedSet(reader, 12);
  const purposeConsents = readFixedSet(reader, 24);
  const purposeLegitimateInterests = readFixedSet(reader, 24);
  const purposeOneTreatment = reader.read(1);
  const publisherCountryCode = readLetters(reader);
  if (
    publisherCountryCode === undefined ||
    created === undefined ||
    lastUpdated === undefined ||
    cmpId === undefined ||
    cmpVersion === undefined ||
    consentScreen === undefined ||
    consentLanguage === undefined ||
    vendorListVersion === undefined ||
    policyVersion === undefined ||
    isServiceSpecific === undefined ||
    useNonStandardTexts === undefined ||
    specialFeatureOptins === undefined ||
    purposeConsents === undefined ||
    purposeLegitimateInterests === undefined ||
    purposeOneTreatment === undefined ||
    cmpId < LOWEST_CMP_ID
  ) {
    return undefined;
  }
  const vendorConsents = readVendorVector(reader);
  if (vendorConsents === undefined) return undefined;
  const vendorLegitimateInterests = readVendorVector(reader);
  if (vendorLegitimateInterests === undefined || !skipPublisherRestrictions(reader)) {
    return undefined;
  }
  return Object.freeze({
    version: SUPPORTED_VERSION,
    cmpId,
    cmpVersion,
    consentScreen,
    consentLanguage,
    vendorListVersion,
    policyVersion,
    createdMs: created * DECISECOND_MS,
    lastUpdatedMs: lastUpdated * DECISECOND_MS,
    isServiceSpecific: isServiceSpecific === 1,
    useNonStandardTexts: useNonStandardTexts === 1,
    purposeOneTreatment: purposeOneTreatment === 1,
    publisherCountryCode,
    purposeConsents,
    purposeLegitimateInterests,
    specialFeatureOptins,
    vendorConsents,
    vendorLegitimateInterests,
  });
}

/** The decoder itself, without the memo: what the bench measures per fresh string. */
export function decodeTcStringUncached(raw: string): TcfConsent | undefined {
  if (raw.length === 0 || raw.length > MAX_TC_STRING_LENGTH) return undefined;
  const [core = '', ...others] = raw.split('.');
  const reader = bitReader(core);
  if (reader === undefined) return undefined;
  const consent = readCore(reader);
  if (consent === undefined || !optionalSegmentsValid(others)) return undefined;
  return consent;
}

const memo = createMemo<TcfConsent | undefined>(MEMO_ENTRIES);

/** The decoded core segment, or undefined when `raw` is undecodable. Never throws. */
export function decodeTcString(raw: string): TcfConsent | undefined {
  // Oversized strings are not remembered: they would only push real readers' strings out.
  if (raw.length > MAX_TC_STRING_LENGTH) return undefined;
  return memo.get(raw, decodeTcStringUncached);
}
