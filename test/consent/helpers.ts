/**
 * Shared fixtures for the consent tests: the default `[consent]` settings, fresh TC strings made
 * with the IAB library's own encoder (an offline GVL, no network), and GPP strings assembled from
 * sections with the GPP library's header encoder.
 */
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';
import { HeaderV1 } from '@iabgpp/cmpapi';
import type { Settings } from '../../src/core/settings/settings-schema.ts';
import { testSettings } from '../helpers/settings.ts';

export type ConsentConfig = Settings['consent'];

export const DEFAULT_CONSENT: ConsentConfig = testSettings().consent;

export function consentConfig(overrides: {
  mode?: ConsentConfig['mode'];
  check_expiration?: boolean;
  max_consent_age_days?: number;
  conflict?: Partial<ConsentConfig['conflict_resolution']>;
  us_privacy_defaults?: Partial<ConsentConfig['us_privacy_defaults']>;
}): ConsentConfig {
  const { conflict, us_privacy_defaults, ...top } = overrides;
  return {
    ...DEFAULT_CONSENT,
    ...top,
    conflict_resolution: { ...DEFAULT_CONSENT.conflict_resolution, ...conflict },
    us_privacy_defaults: { ...DEFAULT_CONSENT.us_privacy_defaults, ...us_privacy_defaults },
  };
}

/** The spec's §F.4 anchor: v2, CMP 31, vendor list 126, no purposes, lastUpdated 2022-04-20. */
export const TC_2022 = 'CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA';
/** Upstream's extraction vector: its lenient reader decodes it, the library does not. */
export const TC_LENIENT_ONLY = 'CPXxGfAPXxGfAAHABBENBCCsAP_AAH_AAAAAHftf';

const purposes = Object.fromEntries(
  Array.from({ length: 11 }, (_, i) => [
    i + 1,
    { id: i + 1, name: `purpose ${i + 1}`, description: '', illustrations: [] },
  ]),
);
const vendor = (id: number) => ({
  id,
  name: `vendor ${id}`,
  purposes: [1, 2, 3, 4],
  legIntPurposes: [7],
  flexiblePurposes: [],
  specialPurposes: [],
  features: [],
  specialFeatures: [],
  urls: [],
  cookieMaxAgeSeconds: null,
  usesCookies: false,
  usesNonCookieAccess: false,
});
/** A small Global Vendor List, enough for the encoder (it drops vendors it does not know). */
const gvl = new GVL({
  gvlSpecificationVersion: 3,
  vendorListVersion: 100,
  tcfPolicyVersion: 5,
  lastUpdated: '2026-01-01T00:00:00Z',
  purposes,
  specialPurposes: {},
  features: {},
  specialFeatures: {},
  // IDs 1–1000, so tests and the bench can make strings the size real CMPs write.
  vendors: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [i + 1, vendor(i + 1)])),
  stacks: {},
  dataCategories: {},
} as unknown as ConstructorParameters<typeof GVL>[0]);

export interface TcOptions {
  purposes?: number[];
  legitimateInterests?: number[];
  vendors?: number[];
  specialFeatures?: number[];
  /** Both created and lastUpdated (the library keeps day precision). */
  updated?: Date;
  cmpId?: number;
}

export function encodeTc(options: TcOptions = {}): string {
  const model = new TCModel(gvl);
  model.cmpId = options.cmpId ?? 10;
  model.cmpVersion = 1;
  model.purposeConsents.set(options.purposes ?? []);
  model.purposeLegitimateInterests.set(options.legitimateInterests ?? []);
  model.vendorConsents.set(options.vendors ?? []);
  model.specialFeatureOptins.set(options.specialFeatures ?? []);
  const updated = options.updated ?? new Date('2026-12-01T00:00:00Z');
  model.created = updated;
  model.lastUpdated = updated;
  return TCString.encode(model, { segments: ['core'] } as never);
}

/** A GPP string of `[sectionId, encodedSection]` pairs, header from the GPP library. */
export function gppOf(sections: Array<[number, string]>): string {
  const header = new HeaderV1();
  header.setFieldValue(
    'SectionIds',
    sections.map(([id]) => id),
  );
  return [header.encode(), ...sections.map(([, encoded]) => encoded)].join('~');
}

const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Packs a string of 0/1 into base64url, zero-padded. */
export function bitsToBase64url(bits: string): string {
  const padded = bits.padEnd(Math.ceil(bits.length / 6) * 6, '0');
  let out = '';
  for (let i = 0; i < padded.length; i += 6) out += A[parseInt(padded.slice(i, i + 6), 2)];
  return out;
}
export const field = (value: number, width: number) => value.toString(2).padStart(width, '0');

/**
 * A v2 core segment whose vendor consents are `ranges` copies of the range 1–65535: 700 make a
 * 3.9 KB cookie that cost `@iabtechlabtcf/core` 1.15 s (it expands ranges ID by ID).
 */
export function rangeBombTc(ranges: number): string {
  let bits = field(2, 6) + field(16_500_000_000, 36) + field(16_500_000_000, 36);
  bits += field(10, 12) + field(1, 12) + field(0, 6) + field(4, 6) + field(13, 6);
  bits += field(1, 12) + field(4, 6) + '00' + field(0, 12) + field(0xffffff, 24) + field(0, 24);
  bits += '0' + field(4, 6) + field(13, 6);
  bits += field(65535, 16) + '1' + field(ranges, 12);
  for (let i = 0; i < ranges; i++) bits += '1' + field(1, 16) + field(65535, 16);
  bits += field(0, 16) + '0' + field(0, 12);
  return bitsToBase64url(bits);
}

export const DAY_MS = 86_400_000;
export const NOW = Date.parse('2026-12-07T12:00:00Z');
