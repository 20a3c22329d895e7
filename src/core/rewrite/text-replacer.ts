/**
 * The streaming origin-URL replacer for CSS, JavaScript, JSON and other text bodies.
 *
 * Bytes are handled as byte-per-char strings, so invalid UTF-8 (or any other encoding) passes
 * through untouched — upstream decoded to UTF-8 and dropped what did not decode. References that
 * straddle chunks are found because the last few bytes of each chunk wait for the next one; a
 * chunk with no trace of the origin host goes out as it came, without being decoded at all.
 */
import { latin1Decode } from '../html/text-codec.ts';
import { concatBytes } from '../html/bytes.ts';
import { maxReferenceLength, type OriginMatcher, type OriginUrlTarget } from './origin-urls.ts';

function latin1Encode(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function containsAscii(bytes: Uint8Array, word: string): boolean {
  const first = word.charCodeAt(0);
  let at = bytes.indexOf(first);
  while (at !== -1 && at + word.length <= bytes.length) {
    let k = 1;
    while (k < word.length && bytes[at + k] === word.charCodeAt(k)) k++;
    if (k === word.length) return true;
    at = bytes.indexOf(first, at + 1);
  }
  return false;
}

export function textReplacerStream(
  matcher: OriginMatcher,
  target: OriginUrlTarget,
): TransformStream<Uint8Array, Uint8Array> {
  const keep = maxReferenceLength(matcher.host);
  let carry: Uint8Array = new Uint8Array(0);
  let before = 0x20;

  const process = (controller: TransformStreamDefaultController<Uint8Array>, final: boolean) => {
    const bytes = carry;
    const limit = final ? bytes.byteLength : bytes.byteLength - keep;
    if (limit <= 0) return;
    if (!containsAscii(bytes, matcher.host)) {
      // Nothing here can be a reference except a host cut off at the end, which stays behind.
      controller.enqueue(bytes.subarray(0, limit));
      before = bytes[limit - 1] as number;
      carry = bytes.subarray(limit);
      return;
    }
    const text = latin1Decode(bytes);
    const result = matcher.rewrite(text, target, { bare: 'anywhere', limit, before });
    const decided = Math.min(result.decided, text.length);
    if (!result.changed) {
      controller.enqueue(bytes.subarray(0, decided));
    } else {
      const rest = text.length - decided;
      const out = result.text.slice(0, result.text.length - rest);
      controller.enqueue(latin1Encode(out));
    }
    before = bytes[decided - 1] ?? before;
    carry = bytes.subarray(decided);
  };

  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      carry = carry.byteLength === 0 ? chunk : concatBytes([carry, chunk]);
      process(controller, false);
    },
    flush(controller) {
      process(controller, true);
    },
  });
}
