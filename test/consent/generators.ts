/**
 * fast-check generators of TC strings and GPP US sections, encoded by the IAB libraries' own
 * encoders, for the differential tests against our decoders. TC strings go through the library's
 * segment encoder directly, not `TCString.encode`, whose "semantic pre-encoding" drops vendors
 * a Global Vendor List does not know and legitimate interests it finds implausible: the bit
 * layout is what is under test, so every field may take any value the format allows.
 */
import { PurposeRestriction, Segment, SegmentEncoder, TCModel } from '@iabtechlabtcf/core';
import { GppModel } from '@iabgpp/cmpapi';
import fc from 'fast-check';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const letters = fc
  .tuple(fc.constantFrom(...LETTERS), fc.constantFrom(...LETTERS))
  .map(([a, b]) => a + b);
const subset = (max: number) => fc.uniqueArray(fc.integer({ min: 1, max }), { maxLength: max });

/** Runs of consecutive IDs: what range encoding is for. */
const runs = (max: number) =>
  fc
    .array(fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 0, max: 3000 })), {
      maxLength: 6,
    })
    .map((pairs) =>
      pairs.flatMap(([start, length]) =>
        Array.from({ length: Math.min(length, max - start) + 1 }, (_, i) => start + i),
      ),
    );

/**
 * Vendor IDs shaped so the encoder picks either encoding: few or many IDs under 50 or 1,000
 * (bitfield), sparse IDs up to 65,535 and runs (ranges, large `maxVendorId`).
 */
export const vendorIds: fc.Arbitrary<number[]> = fc.oneof(
  fc.constant<number[]>([]),
  fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { maxLength: 50 }),
  fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { maxLength: 400 }),
  fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 80 }),
  runs(65535),
);

const restriction = fc.record({
  purpose: fc.integer({ min: 1, max: 24 }),
  type: fc.integer({ min: 0, max: 2 }),
  vendors: fc.oneof(
    fc.uniqueArray(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 20 }),
    runs(65535).filter((ids) => ids.length > 0),
  ),
});

/** Deciseconds that fit the 36-bit field. */
const deciseconds = fc.integer({ min: 0, max: 2 ** 36 - 1 });

export const tcSpec = fc.record({
  created: deciseconds,
  lastUpdated: deciseconds,
  cmpId: fc.integer({ min: 2, max: 4095 }),
  cmpVersion: fc.integer({ min: 0, max: 4095 }),
  consentScreen: fc.integer({ min: 0, max: 63 }),
  consentLanguage: letters,
  vendorListVersion: fc.integer({ min: 0, max: 4095 }),
  policyVersion: fc.integer({ min: 0, max: 63 }),
  isServiceSpecific: fc.boolean(),
  useNonStandardTexts: fc.boolean(),
  purposeOneTreatment: fc.boolean(),
  publisherCountryCode: letters,
  specialFeatures: subset(12),
  purposes: subset(24),
  legitimateInterests: subset(24),
  vendors: vendorIds,
  vendorInterests: vendorIds,
  restrictions: fc.array(restriction, { maxLength: 4 }),
  disclosed: fc.option(vendorIds, { nil: undefined }),
  allowed: fc.option(vendorIds, { nil: undefined }),
  publisher: fc.option(
    fc.record({
      consents: subset(24),
      interests: subset(24),
      custom: fc.integer({ min: 0, max: 20 }),
      customConsents: subset(20),
    }),
    { nil: undefined },
  ),
});
export type TcSpec = typeof tcSpec extends fc.Arbitrary<infer T> ? T : never;

/** The TC string the library's encoder writes for `spec`: core, then the optional segments. */
export function encodeTcSpec(spec: TcSpec): string {
  const model = new TCModel();
  model.created = new Date(spec.created * 100);
  model.lastUpdated = new Date(spec.lastUpdated * 100);
  model.cmpId = spec.cmpId;
  model.cmpVersion = spec.cmpVersion;
  model.consentScreen = spec.consentScreen;
  model.consentLanguage = spec.consentLanguage;
  model.vendorListVersion = spec.vendorListVersion;
  model.policyVersion = spec.policyVersion;
  model.isServiceSpecific = spec.isServiceSpecific;
  model.useNonStandardTexts = spec.useNonStandardTexts;
  model.purposeOneTreatment = spec.purposeOneTreatment;
  model.publisherCountryCode = spec.publisherCountryCode;
  model.specialFeatureOptins.set(spec.specialFeatures);
  model.purposeConsents.set(spec.purposes);
  model.purposeLegitimateInterests.set(spec.legitimateInterests);
  model.vendorConsents.set(spec.vendors);
  model.vendorLegitimateInterests.set(spec.vendorInterests);
  for (const { purpose, type, vendors } of spec.restrictions) {
    for (const id of vendors)
      model.publisherRestrictions.add(id, new PurposeRestriction(purpose, type));
  }
  // The restriction encoder asks a vendor list which IDs exist, to merge neighbours into ranges.
  (model.publisherRestrictions as unknown as { gvl: unknown }).gvl = {
    vendorIds: { has: () => true },
  };
  const segments: Segment[] = [Segment.CORE];
  if (spec.disclosed !== undefined) {
    model.vendorsDisclosed.set(spec.disclosed);
    segments.push(Segment.VENDORS_DISCLOSED);
  }
  if (spec.allowed !== undefined) {
    model.vendorsAllowed.set(spec.allowed);
    segments.push(Segment.VENDORS_ALLOWED);
  }
  if (spec.publisher !== undefined) {
    model.publisherConsents.set(spec.publisher.consents);
    model.publisherLegitimateInterests.set(spec.publisher.interests);
    model.numCustomPurposes = spec.publisher.custom;
    model.publisherCustomConsents.set(
      spec.publisher.customConsents.filter((id) => id <= spec.publisher!.custom),
    );
    segments.push(Segment.PUBLISHER_TC);
  }
  return segments.map((segment) => SegmentEncoder.encode(model, segment)).join('.');
}

/** The GPP name of each US section 7–23, as `GppModel.setFieldValue` takes it. */
export const US_SECTION_NAMES = new Map([
  [7, 'usnat'],
  [8, 'usca'],
  [9, 'usva'],
  [10, 'usco'],
  [11, 'usut'],
  [12, 'usct'],
  [13, 'usfl'],
  [14, 'usmt'],
  [15, 'usor'],
  [16, 'ustx'],
  [17, 'usde'],
  [18, 'usia'],
  [19, 'usne'],
  [20, 'usnh'],
  [21, 'usnj'],
  [22, 'ustn'],
  [23, 'usmn'],
]);

/** One US section: its ID, a value 0–2 for each two-bit field, GPC sub-section or not. */
export const usSectionSpec = fc.record({
  id: fc.integer({ min: 7, max: 23 }),
  /** More than any section has fields (list fields take several). */
  values: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 40, maxLength: 40 }),
  usNatVersion: fc.constantFrom(1, 2),
  gpc: fc.option(fc.boolean(), { nil: undefined }),
});
export type UsSectionSpec = typeof usSectionSpec extends fc.Arbitrary<infer T> ? T : never;

interface CoreField {
  numElements?: number;
}
interface CoreSegment {
  getFieldNames(): string[];
  fields: { get(name: string): CoreField };
}

/** Sets every core field of the section from `spec.values`; the library refuses values its
 * validators reject (a "covered transaction" must be 1 or 2), which then take 1. */
function setCoreFields(model: GppModel, name: string, spec: UsSectionSpec) {
  model.setFieldValue(name, 'Version', spec.id === 7 ? spec.usNatVersion : 1);
  const section = (model as unknown as { sections: Map<string, { segments: CoreSegment[] }> })
    .sections;
  const core = section.get(name)?.segments[0];
  if (core === undefined) throw new Error(`no core segment for ${name}`);
  let next = 0;
  const take = () => spec.values[next++ % spec.values.length] as number;
  for (const field of core.getFieldNames()) {
    if (field === 'Version') continue;
    const count = core.fields.get(field).numElements;
    const value = count === undefined ? take() : Array.from({ length: count }, take);
    try {
      model.setFieldValue(name, field, value);
    } catch {
      model.setFieldValue(name, field, Array.isArray(value) ? value.map(() => 1) : 1);
    }
  }
}

/** A whole GPP string of US sections, written by the GPP library's encoder. */
export function encodeGppSpec(specs: readonly UsSectionSpec[]): string {
  const model = new GppModel();
  for (const spec of specs) {
    const name = US_SECTION_NAMES.get(spec.id) as string;
    setCoreFields(model, name, spec);
    if (spec.gpc !== undefined) {
      try {
        model.setFieldValue(name, 'GpcSegmentIncluded', true);
        model.setFieldValue(name, 'Gpc', spec.gpc);
      } catch {
        // Virginia, Utah and Florida define no GPC sub-section.
      }
    }
  }
  return model.encode();
}
