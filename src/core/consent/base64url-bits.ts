/**
 * Reads big-endian bit fields out of a base64url string, six bits a character, as the TCF and GPP
 * formats pack them. Strict: a character outside the alphabet refuses the whole string, and
 * reading past the end is reported (undefined), never padded with zeros. It never allocates per
 * bit, and the decoded characters stay readable in place (`sextets`), so a vendor bitfield can be
 * answered from the string itself instead of being copied out.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** A cursor over decoded characters; see `bitReader`. */
export class BitReader {
  /** The string's characters as six-bit values, for reading bits in place (`bitAt`). */
  readonly sextets: Uint8Array;
  private readonly end: number;
  private cursor = 0;

  constructor(sextets: Uint8Array) {
    this.sextets = sextets;
    this.end = sextets.length * 6;
  }

  /** Reads `width` (≤ 48) bits as an unsigned number; undefined past the end. */
  read(width: number): number | undefined {
    if (this.cursor + width > this.end) {
      this.cursor = this.end + 1;
      return undefined;
    }
    let value = 0;
    let left = width;
    let position = this.cursor;
    // A character at a time rather than a bit at a time: fields are mostly 1–16 bits wide.
    while (left > 0) {
      const index = (position / 6) | 0;
      const available = 6 - (position - index * 6);
      const take = available < left ? available : left;
      const bits = ((this.sextets[index] as number) >> (available - take)) & ((1 << take) - 1);
      value = value * (1 << take) + bits;
      position += take;
      left -= take;
    }
    this.cursor = position;
    return value;
  }

  skip(width: number): void {
    this.cursor += width;
  }

  /** Bits left to read (negative once a read or skip went past the end). */
  remaining(): number {
    return this.end - this.cursor;
  }

  /** Bits read so far. */
  position(): number {
    return this.cursor;
  }
}

/** Bit `index` (0 = the first character's high bit) of decoded characters. */
export function bitAt(sextets: Uint8Array, index: number): number {
  return ((sextets[(index / 6) | 0] as number) >> (5 - (index % 6))) & 1;
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
  return new BitReader(sextets);
}
