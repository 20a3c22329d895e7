/**
 * How the Fastly store lays out keys and entries in a Fastly KV Store.
 *
 * Keys: Fastly refuses some keys every other store takes (`#;?^|`, CR, LF, a leading
 * `.well-known/acme-challenge/`, `.` and `..`). They are escaped, one character at a time, so a
 * key written on another platform still fits and a prefix of a key stays a prefix of its escaped
 * form (countPrefix lists by the escaped prefix).
 *
 * Entries: Fastly's JavaScript API does not return an entry's generation on read (the 3.46 runtime
 * drops it), so the store keeps its own: a header line before the value. The metadata stays the
 * caller's, all 1000 bytes of it.
 */
import { TsError } from '../core/errors.ts';

/** Fastly's limit on a key, in UTF-8 bytes. */
export const FASTLY_KEY_BYTES = 1024;

/** Characters Fastly refuses anywhere in a key, and `%`, which escapes them. */
const ESCAPED = new Set(['%', '#', ';', '?', '^', '|', '\n', '\r']);

const encoder = new TextEncoder();

function escapeChar(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

/** A lone surrogate has no UTF-8 form: Fastly would see U+FFFD and merge distinct keys. */
function isLoneSurrogate(char: string): boolean {
  const code = char.charCodeAt(0);
  return char.length === 1 && code >= 0xd800 && code <= 0xdfff;
}

/**
 * The Fastly key for a store key (already checked by `checkKey`). Each character maps to itself
 * or to `%XX` (`%uXXXX` for a lone surrogate), and no mapping is a prefix of another, so `a` is a prefix of `b` exactly when
 * `fastlyKey(a)` is a prefix of `fastlyKey(b)`. A leading `.` is always escaped: that rules out
 * `.`, `..` and the ACME prefix with one position-only rule that keeps the prefix property.
 */
export function fastlyKey(key: string): string {
  let out = '';
  let first = true;
  for (const char of key) {
    if (isLoneSurrogate(char)) {
      // `%u` + 4 hex digits: `u` is no hex digit, so this never starts like a `%XX` escape.
      out += `%u${char.charCodeAt(0).toString(16).toUpperCase()}`;
    } else {
      out += ESCAPED.has(char) || (first && char === '.') ? escapeChar(char) : char;
    }
    first = false;
  }
  const bytes = encoder.encode(out).byteLength;
  if (bytes > FASTLY_KEY_BYTES) {
    throw new TsError(
      'store_invalid_key',
      `store key is ${bytes} bytes once escaped for Fastly's KV Store; the limit is ${FASTLY_KEY_BYTES}`,
    );
  }
  return out;
}

/** The header line of an entry this store wrote: magic, generation, newline. */
const HEADER = 'tskv1 ';
const GENERATION = /^[0-9a-f]{16}$/;

/**
 * The generation of an entry this store did not write (seeded with the Fastly CLI or API): such
 * an entry reads as its whole body. One fixed value, so a read-modify-write can replace it.
 */
export const EXTERNAL_GENERATION = 'external';

export function encodeEntry(generation: string, value: string): string {
  return `${HEADER}${generation}\n${value}`;
}

export function decodeEntry(body: string): { generation: string; value: string } {
  if (body.startsWith(HEADER)) {
    const end = HEADER.length + 16;
    const generation = body.slice(HEADER.length, end);
    if (body[end] === '\n' && GENERATION.test(generation)) {
      return { generation, value: body.slice(end + 1) };
    }
  }
  return { generation: EXTERNAL_GENERATION, value: body };
}
