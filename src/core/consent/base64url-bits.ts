/**
 * Reads big-endian bit fields out of a base64url string, six bits a character, as the TCF and GPP
 * formats pack them. Only for the two pre-checks in front of the IAB libraries (tcf-cost.ts,
 * gpp-header.ts): it never allocates per bit, and reading past the end is reported, not thrown.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export interface BitReader {
  /** Reads `width` (≤ 32) bits as an unsigned number; undefined past the end. */
  read(width: number): number | undefined;
  skip(width: number): void;
  /** Bits left to read (negative once a skip went past the end). */
  remaining(): number;
}

/** Undefined when `text` has a character outside the base64url alphabet. */
export function bitReader(text: string): BitReader | undefined {
  const sextets = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (VALUE[code] as number) : -1;
    if (value < 0) return undefined;
    sextets[i] = value;
  }
  const total = text.length * 6;
  let position = 0;
  const bitAt = (index: number) =>
    ((sextets[Math.floor(index / 6)] as number) >> (5 - (index % 6))) & 1;
  return {
    read(width) {
      if (position + width > total) {
        position = total + 1;
        return undefined;
      }
      let value = 0;
      for (let i = 0; i < width; i++) value = value * 2 + bitAt(position + i);
      position += width;
      return value;
    },
    skip(width) {
      position += width;
    },
    remaining: () => total - position,
  };
}
