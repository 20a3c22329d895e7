/**
 * The vendor IDs a TC string names (consents, legitimate interests), kept in the form the string
 * sends them: a bitfield read in place, or a sorted list of ranges. A range is never expanded into
 * its members, so a cookie of ranges `1–65535` costs what its length costs and no more: `has` is
 * a bit lookup or a binary search, `size` is arithmetic.
 */
import { bitAt } from './base64url-bits.ts';

export interface VendorSet {
  has(id: number): boolean;
  /** How many IDs are in the set. */
  readonly size: number;
  /** The IDs in ascending order, one at a time (for tests and logs of small sets). */
  values(): IterableIterator<number>;
}

export const EMPTY_VENDOR_SET: VendorSet = Object.freeze({
  has: () => false,
  size: 0,
  *values(): IterableIterator<number> {},
});

/**
 * IDs 1..`maxId` whose bit is set, the bit for ID 1 at `offset` of `sextets`. The caller has
 * checked that all `maxId` bits are there.
 */
export function bitfieldVendorSet(sextets: Uint8Array, offset: number, maxId: number): VendorSet {
  const has = (id: number) => id >= 1 && id <= maxId && bitAt(sextets, offset + id - 1) === 1;
  let size: number | undefined;
  return Object.freeze({
    has,
    get size() {
      if (size === undefined) {
        size = 0;
        for (let id = 1; id <= maxId; id++) size += bitAt(sextets, offset + id - 1);
      }
      return size;
    },
    *values() {
      for (let id = 1; id <= maxId; id++) if (has(id)) yield id;
    },
  });
}

/**
 * The union of inclusive ranges given as `[start0, end0, start1, end1, …]`, each with
 * start ≤ end, in any order and possibly overlapping (a string may send them so).
 */
export function rangeVendorSet(bounds: readonly number[]): VendorSet {
  const merged = mergeRanges(bounds);
  const count = merged.length / 2;
  let size = 0;
  for (let i = 0; i < merged.length; i += 2) {
    size += (merged[i + 1] as number) - (merged[i] as number) + 1;
  }
  return Object.freeze({
    has(id: number) {
      // The last range whose start is ≤ id, by binary search over the starts.
      let low = 0;
      let high = count - 1;
      while (low <= high) {
        const middle = (low + high) >> 1;
        if ((merged[middle * 2] as number) <= id) low = middle + 1;
        else high = middle - 1;
      }
      return high >= 0 && id <= (merged[high * 2 + 1] as number);
    },
    size,
    *values() {
      for (let i = 0; i < merged.length; i += 2) {
        for (let id = merged[i] as number; id <= (merged[i + 1] as number); id++) yield id;
      }
    },
  });
}

/** Sorted, disjoint, non-adjacent ranges covering the same IDs. */
function mergeRanges(bounds: readonly number[]): Uint32Array {
  const merged = new Uint32Array(bounds.length);
  let length = 0;
  const add = (start: number, end: number) => {
    if (length > 0 && start <= (merged[length - 1] as number) + 1) {
      if (end > (merged[length - 1] as number)) merged[length - 1] = end;
    } else {
      merged[length++] = start;
      merged[length++] = end;
    }
  };
  let ascending = true;
  for (let i = 2; i < bounds.length && ascending; i += 2) {
    ascending = (bounds[i] as number) >= (bounds[i - 2] as number);
  }
  if (ascending) {
    // CMPs write ranges in order; only a hand-made string needs sorting.
    for (let i = 0; i < bounds.length; i += 2) add(bounds[i] as number, bounds[i + 1] as number);
  } else {
    const pairs: [number, number][] = [];
    for (let i = 0; i < bounds.length; i += 2)
      pairs.push([bounds[i] as number, bounds[i + 1] as number]);
    pairs.sort((a, b) => a[0] - b[0]);
    for (const [start, end] of pairs) add(start, end);
  }
  return merged.subarray(0, length);
}
