/**
 * The GPP header (`DBAB…`): type 3, version 1, then the section IDs as a Fibonacci-coded integer
 * range. Read here rather than by `@iabgpp/cmpapi` because the library expands a range by pushing
 * every member into an array: a ten-character header `DBAB4AAAAG` names 2.2 million sections and
 * costs it 90 ms, a few characters more exhaust memory. Here a range may only name as many
 * sections as the string carries.
 */
import { bitReader, type BitReader } from './base64url-bits.ts';

const HEADER_TYPE = 3;
const HEADER_VERSION = 1;
/** Longest Fibonacci code read (value < F(32) ≈ 2.2 million): IDs are small, this is a fence. */
const MAX_FIBONACCI_BITS = 30;

/** A Fibonacci-coded integer: bit i weighs F(i+2) (1, 2, 3, 5, …), `11` ends it. */
function readFibonacci(reader: BitReader): number | undefined {
  let value = 0;
  let weight = 1;
  let nextWeight = 2;
  let previousBit = 0;
  for (let bits = 0; bits <= MAX_FIBONACCI_BITS; bits++) {
    const bit = reader.read(1);
    if (bit === undefined) return undefined;
    if (bit === 1 && previousBit === 1) return value;
    if (bit === 1) value += weight;
    previousBit = bit;
    [weight, nextWeight] = [nextWeight, weight + nextWeight];
  }
  return undefined;
}

/**
 * The section IDs in header order, or undefined when the header is not a GPP v1 header or names
 * a different number of sections than `sectionCount`, the sections the string carries.
 */
export function readGppHeader(header: string, sectionCount: number): number[] | undefined {
  const reader = bitReader(header);
  if (reader === undefined) return undefined;
  if (reader.read(6) !== HEADER_TYPE || reader.read(6) !== HEADER_VERSION) return undefined;
  const entries = reader.read(12);
  if (entries === undefined || entries > sectionCount) return undefined;
  const ids: number[] = [];
  let offset = 0;
  for (let i = 0; i < entries; i++) {
    const isRange = reader.read(1);
    const first = readFibonacci(reader);
    if (isRange === undefined || first === undefined) return undefined;
    offset += first;
    if (isRange === 0) {
      ids.push(offset);
      continue;
    }
    const span = readFibonacci(reader);
    if (span === undefined) return undefined;
    const last = offset + span;
    if (ids.length + (last - offset + 1) > sectionCount) return undefined;
    for (let id = offset; id <= last; id++) ids.push(id);
    offset = last;
  }
  return ids.length === sectionCount ? ids : undefined;
}
