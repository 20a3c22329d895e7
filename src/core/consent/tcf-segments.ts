/**
 * The segments after a TC string's core (`core.segment.segment`): disclosed vendors (type 1),
 * allowed vendors (2) and publisher purposes (3). The decisions read none of them, but a string
 * carrying a malformed one is malformed, so each is checked as strictly as the core and then
 * dropped. Against `@iabtechlabtcf/core`, which decodes them too: an empty segment or one of type
 * 4–7 is refused by both; a second core segment (the library lets it overwrite the first) or a
 * repeated segment type (the last one wins there) is refused here, because which one counts would
 * be a guess.
 */
import { bitReader, type BitReader } from './base64url-bits.ts';
import { readVendorVector } from './tcf-vectors.ts';

const SEGMENT_TYPE_BITS = 3;
const SEGMENT_DISCLOSED_VENDORS = 1;
const SEGMENT_ALLOWED_VENDORS = 2;
const SEGMENT_PUBLISHER_PURPOSES = 3;
/** Publisher consents (24), publisher legitimate interests (24). */
const PUBLISHER_PURPOSE_BITS = 48;
const CUSTOM_PURPOSE_COUNT_BITS = 6;

function publisherPurposesValid(reader: BitReader): boolean {
  reader.skip(PUBLISHER_PURPOSE_BITS);
  const custom = reader.read(CUSTOM_PURPOSE_COUNT_BITS);
  // Custom consents and custom legitimate interests, one bit per custom purpose each.
  return custom !== undefined && reader.remaining() >= custom * 2;
}

/** True when every segment after the core is well formed and of a distinct known type. */
export function optionalSegmentsValid(segments: readonly string[]): boolean {
  const seen = new Set<number>();
  for (const segment of segments) {
    const reader = bitReader(segment);
    if (reader === undefined || segment.length === 0) return false;
    const type = reader.read(SEGMENT_TYPE_BITS);
    if (type === undefined || seen.has(type)) return false;
    seen.add(type);
    if (type === SEGMENT_DISCLOSED_VENDORS || type === SEGMENT_ALLOWED_VENDORS) {
      if (readVendorVector(reader) === undefined) return false;
    } else if (type !== SEGMENT_PUBLISHER_PURPOSES || !publisherPurposesValid(reader)) {
      return false;
    }
  }
  return true;
}
