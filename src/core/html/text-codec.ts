/**
 * How handler-visible strings map to document bytes, so that every byte outside a mutation
 * survives exactly.
 *
 * - `utf-8` documents: valid UTF-8 decodes normally. A value holding invalid UTF-8 is decoded
 *   byte-per-char ("binary") and remembered as such, so re-encoding it gives back the same bytes.
 * - any other ASCII-compatible encoding (windows-1252, Shift_JIS, EUC-KR, GBK, …): values are
 *   always decoded byte-per-char. Handlers matching ASCII (URLs, hosts) work unchanged, and
 *   non-ASCII bytes round-trip untouched.
 */
import { fromByteString, toByteString } from '../bytes/byte-strings.ts';
import { allocate, trimLast } from '../bytes/byte-arrays.ts';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

export interface DecodedText {
  text: string;
  /** True when `text` holds one char per byte (not UTF-8 decoded). */
  binary: boolean;
}

export function decodeText(bytes: Uint8Array, utf8: boolean): DecodedText {
  // TextDecoder is the fastest way from bytes to a string (~100 ns for a URL), ASCII included.
  if (!utf8) {
    // Legacy encodings are always byte-per-char, so every byte round-trips.
    return {
      text: toByteString(bytes),
      binary: true,
    };
  }
  try {
    return { text: utf8Decoder.decode(bytes), binary: false };
  } catch {
    // Invalid UTF-8: the byte-transparent form keeps every byte.
    return { text: toByteString(bytes), binary: true };
  }
}

/**
 * Encodes a handler's string back to bytes. In binary mode chars up to U+00FF are single bytes
 * (the original bytes), anything a handler added beyond that is written as UTF-8.
 */
export function encodeText(text: string, binary: boolean): Uint8Array {
  if (!binary) return encodeUtf8(text);
  let wide = false;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) {
      wide = true;
      break;
    }
  }
  if (!wide) return fromByteString(text);
  const parts: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code <= 0xff) parts.push(code);
    else parts.push(...utf8Encoder.encode(char));
  }
  return Uint8Array.from(parts);
}

/**
 * UTF-8 bytes of `text`. Script texts are mostly ASCII: `encodeInto` a buffer with a quarter of
 * headroom takes one pass for them and is ~35 % faster here than `encode` (which sizes its result
 * in a pass of its own); text that does not fit is encoded the plain way.
 */
export function encodeUtf8(text: string): Uint8Array {
  if (text.length < 256) return utf8Encoder.encode(text);
  const out = new Uint8Array(text.length + (text.length >> 2) + 8);
  const { read, written } = utf8Encoder.encodeInto(text, out);
  return read === text.length ? out.subarray(0, written) : utf8Encoder.encode(text);
}

/**
 * `="value"` as bytes, with `"` written as `&quot;`: how a changed attribute is serialised.
 * UTF-8 values are encoded straight into slab memory (profiles showed per-value allocations and
 * string building dominating the attribute path).
 */
export function encodeAttributeValue(value: string, binary: boolean): Uint8Array {
  if (binary || value.includes('"'))
    return encodeText(`="${value.replace(/"/g, '&quot;')}"`, binary);
  const out = allocate(value.length * 3 + 3);
  out[0] = 0x3d; // =
  out[1] = 0x22; // "
  const { written } = utf8Encoder.encodeInto(value, out.subarray(2));
  out[2 + written] = 0x22;
  return trimLast(out, written + 3);
}
