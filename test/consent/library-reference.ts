/**
 * The IAB libraries as the reference our decoders are tested and benchmarked against: decoding
 * as src/core/consent did before it had its own decoders (`@iabtechlabtcf/core` for TC strings,
 * `@iabgpp/cmpapi`'s section classes for the US sections), and the comparable fields of a
 * decoded TC string. Test and bench code only: nothing under src/ imports the libraries.
 */
import { TCString, type TCModel, type Vector } from '@iabtechlabtcf/core';
import {
  UsCa,
  UsCo,
  UsCt,
  UsDe,
  UsFl,
  UsIa,
  UsMn,
  UsMt,
  UsNat,
  UsNe,
  UsNh,
  UsNj,
  UsOr,
  UsTn,
  UsTx,
  UsUt,
  UsVa,
} from '@iabgpp/cmpapi';
import type { SaleOptOut } from '../../src/core/consent/gpp-us.ts';
import { decodeGppWith } from '../../src/core/consent/gpp.ts';
import type { GppConsent, TcfConsent } from '../../src/core/consent/types.ts';

/** Everything a decoded TC string says, as plain data both decoders can be compared on. */
export interface TcFields {
  version: number;
  cmpId: number;
  cmpVersion: number;
  consentScreen: number;
  consentLanguage: string;
  vendorListVersion: number;
  policyVersion: number;
  createdMs: number;
  lastUpdatedMs: number;
  isServiceSpecific: boolean;
  useNonStandardTexts: boolean;
  purposeOneTreatment: boolean;
  publisherCountryCode: string;
  purposeConsents: number[];
  purposeLegitimateInterests: number[];
  specialFeatureOptins: number[];
  vendorConsents: number[];
  vendorLegitimateInterests: number[];
}

const sorted = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);

export function ourTcFields(tcf: TcfConsent): TcFields {
  return {
    version: tcf.version,
    cmpId: tcf.cmpId,
    cmpVersion: tcf.cmpVersion,
    consentScreen: tcf.consentScreen,
    consentLanguage: tcf.consentLanguage,
    vendorListVersion: tcf.vendorListVersion,
    policyVersion: tcf.policyVersion,
    createdMs: tcf.createdMs,
    lastUpdatedMs: tcf.lastUpdatedMs,
    isServiceSpecific: tcf.isServiceSpecific,
    useNonStandardTexts: tcf.useNonStandardTexts,
    purposeOneTreatment: tcf.purposeOneTreatment,
    publisherCountryCode: tcf.publisherCountryCode,
    purposeConsents: sorted(tcf.purposeConsents),
    purposeLegitimateInterests: sorted(tcf.purposeLegitimateInterests),
    specialFeatureOptins: sorted(tcf.specialFeatureOptins),
    vendorConsents: sorted(tcf.vendorConsents.values()),
    vendorLegitimateInterests: sorted(tcf.vendorLegitimateInterests.values()),
  };
}

function members(vector: Vector): Set<number> {
  const set = new Set<number>();
  vector.forEach((granted, id) => {
    if (granted) set.add(id);
  });
  return set;
}

/** The library's model as our shape (a `Set` is a `VendorSet`), as the wrapper used to build it. */
function toConsent(model: TCModel): TcfConsent | undefined {
  const createdMs = model.created?.getTime();
  const lastUpdatedMs = model.lastUpdated?.getTime();
  if (model.version !== 2 || !Number.isFinite(createdMs) || !Number.isFinite(lastUpdatedMs)) {
    return undefined;
  }
  return {
    version: 2,
    cmpId: Number(model.cmpId),
    cmpVersion: Number(model.cmpVersion),
    consentScreen: Number(model.consentScreen),
    consentLanguage: model.consentLanguage,
    vendorListVersion: Number(model.vendorListVersion),
    policyVersion: Number(model.policyVersion),
    createdMs,
    lastUpdatedMs,
    isServiceSpecific: model.isServiceSpecific,
    useNonStandardTexts: model.useNonStandardTexts,
    purposeOneTreatment: model.purposeOneTreatment,
    publisherCountryCode: model.publisherCountryCode,
    purposeConsents: members(model.purposeConsents),
    purposeLegitimateInterests: members(model.purposeLegitimateInterests),
    specialFeatureOptins: members(model.specialFeatureOptins),
    vendorConsents: members(model.vendorConsents),
    vendorLegitimateInterests: members(model.vendorLegitimateInterests),
  };
}

/**
 * The library's reading of a TC string, as our wrapper used it (version 2, real dates, 4096
 * characters at most), without the range fence that used to stand in front: keep hostile ranges
 * away from it.
 */
export function libraryDecodeTc(raw: string): TcfConsent | undefined {
  if (raw.length === 0 || raw.length > 4096) return undefined;
  try {
    return toConsent(TCString.decode(raw));
  } catch {
    return undefined;
  }
}

interface UsSection {
  getFieldValue(field: string): unknown;
}
type UsSectionClass = new (encoded: string) => UsSection;

/** The library's classes for sections 7–23 and the versions our wrapper accepted from them. */
export const LIBRARY_US_SECTIONS = new Map<number, { decoder: UsSectionClass; versions: number[] }>(
  [
    [7, { decoder: UsNat, versions: [1, 2] }],
    [8, { decoder: UsCa, versions: [1] }],
    [9, { decoder: UsVa, versions: [1] }],
    [10, { decoder: UsCo, versions: [1] }],
    [11, { decoder: UsUt, versions: [1] }],
    [12, { decoder: UsCt, versions: [1] }],
    [13, { decoder: UsFl, versions: [1] }],
    [14, { decoder: UsMt, versions: [1] }],
    [15, { decoder: UsOr, versions: [1] }],
    [16, { decoder: UsTx, versions: [1] }],
    [17, { decoder: UsDe, versions: [1] }],
    [18, { decoder: UsIa, versions: [1] }],
    [19, { decoder: UsNe, versions: [1] }],
    [20, { decoder: UsNh, versions: [1] }],
    [21, { decoder: UsNj, versions: [1] }],
    [22, { decoder: UsTn, versions: [1] }],
    [23, { decoder: UsMn, versions: [1] }],
  ],
);

/**
 * `SaleOptOut` of a US section through the library, as our wrapper read it: undefined when the
 * library throws or reports a version it does not know; any value but 1 and 2 says neither.
 */
export function librarySaleOptOut(id: number, encoded: string): SaleOptOut | undefined {
  const section = LIBRARY_US_SECTIONS.get(id);
  if (section === undefined) return undefined;
  try {
    const decoded = new section.decoder(encoded);
    if (!section.versions.includes(Number(decoded.getFieldValue('Version')))) return undefined;
    const value = decoded.getFieldValue('SaleOptOut');
    if (value === 1) return 'opted-out';
    if (value === 2) return 'not-opted-out';
    return 'not-applicable';
  } catch {
    return undefined;
  }
}

/**
 * A GPP string as our wrapper decoded it with the libraries: our bounded header reader (the
 * library's expands header ranges without limit), the library for sections 2 and 7–23.
 */
export function libraryDecodeGpp(raw: string): GppConsent | undefined {
  return decodeGppWith(raw, {
    tc: libraryDecodeTc,
    usSaleOptOut: (id, encoded) =>
      LIBRARY_US_SECTIONS.has(id) ? (librarySaleOptOut(id, encoded) ?? 'unreadable') : undefined,
  });
}
