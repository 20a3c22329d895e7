/**
 * The variable-length parts of a TC string: vendor vectors (consents, legitimate interests,
 * disclosed and allowed vendors) and publisher restrictions. Each reader returns undefined for a
 * malformed part, and the whole string is then undecodable. Ranges are checked, never expanded.
 *
 * Rules, against `@iabtechlabtcf/core` (the reference we test against):
 * - a vector or restriction that runs past the end of the string is refused, as the library does;
 * - a vendor ID of 0 is refused in a vendor vector, as the library does, and also in a publisher
 *   restriction, where the library lets it through (stricter: IDs start at 1);
 * - a range whose start is after its end is refused in a vendor vector, where the library skips it
 *   silently (stricter), and in a publisher restriction, as the library does;
 * - a vendor vector range past the vector's `maxVendorId` is refused, where the library accepts it
 *   (stricter: the field says which IDs the vector covers);
 * - a publisher restriction's purpose must be 1 or more and its type 0–2; the library checks that
 *   only once a restriction names a vendor (stricter: we check it always).
 */
import type { BitReader } from './base64url-bits.ts';
import {
  bitfieldVendorSet,
  EMPTY_VENDOR_SET,
  rangeVendorSet,
  type VendorSet,
} from './vendor-set.ts';

const MAX_ID_BITS = 16;
const ENTRIES_BITS = 12;
const VENDOR_ID_BITS = 16;
const PURPOSE_ID_BITS = 6;
const RESTRICTION_TYPE_BITS = 2;
const HIGHEST_RESTRICTION_TYPE = 2;

/** The members of a fixed-width bitfield (purposes, special features): bit i is ID i + 1. */
export function readFixedSet(reader: BitReader, width: number): ReadonlySet<number> | undefined {
  const bits = reader.read(width);
  if (bits === undefined) return undefined;
  const members = new Set<number>();
  for (let id = 1; id <= width; id++) {
    if (Math.floor(bits / 2 ** (width - id)) % 2 === 1) members.add(id);
  }
  return members;
}

/**
 * `count` range entries (`isARange`, start, and end when a range) as flat `[start, end, …]`
 * bounds; undefined when one is malformed or, with `maxId`, names an ID above it.
 */
function readRangeEntries(
  reader: BitReader,
  count: number,
  maxId: number | undefined,
): number[] | undefined {
  const bounds: number[] = [];
  for (let i = 0; i < count; i++) {
    const isRange = reader.read(1);
    const start = reader.read(VENDOR_ID_BITS);
    if (isRange === undefined || start === undefined || start === 0) return undefined;
    const end = isRange === 1 ? reader.read(VENDOR_ID_BITS) : start;
    if (end === undefined || end < start) return undefined;
    if (maxId !== undefined && end > maxId) return undefined;
    bounds.push(start, end);
  }
  return bounds;
}

/** A vendor vector: `maxVendorId`, then a bitfield of that many bits or range entries. */
export function readVendorVector(reader: BitReader): VendorSet | undefined {
  const maxId = reader.read(MAX_ID_BITS);
  const isRangeEncoding = reader.read(1);
  if (maxId === undefined || isRangeEncoding === undefined) return undefined;
  if (isRangeEncoding === 0) {
    const offset = reader.position();
    if (reader.remaining() < maxId) return undefined;
    reader.skip(maxId);
    return maxId === 0 ? EMPTY_VENDOR_SET : bitfieldVendorSet(reader.sextets, offset, maxId);
  }
  const entries = reader.read(ENTRIES_BITS);
  if (entries === undefined) return undefined;
  const bounds = readRangeEntries(reader, entries, maxId);
  if (bounds === undefined) return undefined;
  return bounds.length === 0 ? EMPTY_VENDOR_SET : rangeVendorSet(bounds);
}

/** Publisher restrictions: checked and stepped over (the decisions do not use them). */
export function skipPublisherRestrictions(reader: BitReader): boolean {
  const restrictions = reader.read(ENTRIES_BITS);
  if (restrictions === undefined) return false;
  for (let i = 0; i < restrictions; i++) {
    const purpose = reader.read(PURPOSE_ID_BITS);
    const type = reader.read(RESTRICTION_TYPE_BITS);
    const entries = reader.read(ENTRIES_BITS);
    if (purpose === undefined || type === undefined || entries === undefined) return false;
    if (purpose === 0 || type > HIGHEST_RESTRICTION_TYPE) return false;
    if (readRangeEntries(reader, entries, undefined) === undefined) return false;
  }
  return true;
}
