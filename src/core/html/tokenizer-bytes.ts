/**
 * Byte constants and the few byte-level helpers the tokenizer needs (HTML's whitespace, ASCII case
 * folding of tag and attribute names). Byte helpers that are not HTML's live in core/bytes/.
 */
export const LT = 0x3c; // <
export const GT = 0x3e; // >
export const SLASH = 0x2f;
export const BANG = 0x21;
export const QUESTION = 0x3f;
export const EQUALS = 0x3d;
export const DQUOTE = 0x22;
export const SQUOTE = 0x27;
export const DASH = 0x2d;
export const RBRACKET = 0x5d;

/**
 * Byte classes for the tag scanner's inner loops (one table load instead of a chain of compares):
 * SPACE = HTML whitespace; NAME_END ends a tag or attribute name (space, `/`, `>`, and `=` for
 * attribute names); VALUE_END ends an unquoted attribute value (space, `>`).
 */
export const SPACE = 1;
export const TAG_NAME_END = 2;
export const ATTR_NAME_END = 4;
export const VALUE_END = 8;
export const BYTE_CLASS = (() => {
  const table = new Uint8Array(256);
  for (const space of [0x20, 0x0a, 0x09, 0x0c, 0x0d])
    table[space] = SPACE | TAG_NAME_END | ATTR_NAME_END | VALUE_END;
  table[0x2f] = TAG_NAME_END | ATTR_NAME_END; // /
  table[0x3e] = TAG_NAME_END | ATTR_NAME_END | VALUE_END; // >
  table[0x3d] = ATTR_NAME_END; // =
  return table;
})();

/** HTML whitespace: tab, LF, FF, CR, space. */
export function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x09 || byte === 0x0c || byte === 0x0d;
}

export function isAlpha(byte: number): boolean {
  const folded = byte | 0x20;
  return folded >= 0x61 && folded <= 0x7a;
}

export function toLower(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

/** Does `buf[at…]` start with the lowercase ASCII `word`, ignoring ASCII case? */
export function startsWithFolded(buf: Uint8Array, at: number, word: Uint8Array): boolean {
  if (at + word.length > buf.length) return false;
  for (let i = 0; i < word.length; i++) {
    if (toLower(buf[at + i] as number) !== word[i]) return false;
  }
  return true;
}

/** Is `buf[at…]` (possibly cut off at the end) a case-folded prefix of `word`? */
export function isFoldedPrefix(buf: Uint8Array, at: number, word: Uint8Array): boolean {
  const n = Math.min(word.length, buf.length - at);
  for (let i = 0; i < n; i++) {
    if (toLower(buf[at + i] as number) !== word[i]) return false;
  }
  return true;
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

const nameDecoder = new TextDecoder();

/** Tag or attribute name from bytes, ASCII-lowercased (as the tokenizer does). */
export function foldedName(buf: Uint8Array, start: number, end: number): string {
  let name = '';
  for (let i = start; i < end; i++) {
    const byte = buf[i] as number;
    if (byte >= 0x80) {
      // Rare: a non-ASCII name. Decode it as UTF-8; only ASCII letters are lowercased.
      return nameDecoder
        .decode(buf.subarray(start, end))
        .replace(/[A-Z]+/g, (s) => s.toLowerCase());
    }
    name += String.fromCharCode(toLower(byte));
  }
  return name;
}
