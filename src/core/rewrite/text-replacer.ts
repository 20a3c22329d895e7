/**
 * The streaming origin-URL replacer for CSS, JavaScript, JSON and other text bodies.
 *
 * Bytes are handled as byte-per-char strings, so invalid UTF-8 (or any other encoding) passes
 * through untouched — upstream decoded to UTF-8 and dropped what did not decode. References that
 * straddle chunks are found because the last few bytes of each chunk wait for the next one; a
 * chunk with no trace of the origin host goes out as it came, without being decoded at all.
 */
import type { ByteSinkFactory } from '../byte-sink.ts';
import { concatBytes } from '../bytes/byte-arrays.ts';
import { indexOfByte } from '../bytes/byte-search.ts';
import { fromByteString, toByteString } from '../bytes/byte-strings.ts';
import { maxReferenceLength, type OriginMatcher, type OriginUrlTarget } from './origin-urls.ts';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** The UTF-8 text of `bytes`, or undefined when they are not (entirely) valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** How many UTF-16 code units the first `byteCount` bytes of valid UTF-8 decode to. */
function charsIn(bytes: Uint8Array, byteCount: number): number {
  let chars = 0;
  for (let i = 0; i < byteCount; i++) {
    const byte = bytes[i] as number;
    if ((byte & 0xc0) !== 0x80) chars += byte >= 0xf0 ? 2 : 1; // a lead byte; 4 bytes = 2 units
  }
  return chars;
}

export function containsAscii(bytes: Uint8Array, word: string): boolean {
  const first = word.charCodeAt(0);
  let at = indexOfByte(bytes, first, 0);
  while (at !== -1 && at + word.length <= bytes.length) {
    let k = 1;
    while (k < word.length && bytes[at + k] === word.charCodeAt(k)) k++;
    if (k === word.length) return true;
    at = indexOfByte(bytes, first, at + 1);
  }
  return false;
}

/** Incremental replacer: `push` bytes, get back what is decided; `flush` at the end of a run. */
export class OriginTextReplacer {
  readonly #matcher: OriginMatcher;
  readonly #target: OriginUrlTarget;
  readonly #keep: number;
  #carry: Uint8Array = new Uint8Array(0);
  #before = 0x20;

  constructor(matcher: OriginMatcher, target: OriginUrlTarget) {
    this.#matcher = matcher;
    this.#target = target;
    this.#keep = maxReferenceLength(matcher.host);
  }

  push(chunk: Uint8Array, out: Uint8Array[]): void {
    this.#carry = this.#carry.byteLength === 0 ? chunk : concatBytes([this.#carry, chunk]);
    this.#process(out, false);
  }

  /** Everything held back is decided now (end of input, or a boundary no reference can cross). */
  flush(out: Uint8Array[]): void {
    this.#process(out, true);
  }

  #process(out: Uint8Array[], final: boolean): void {
    const bytes = this.#carry;
    const limit = final ? bytes.byteLength : bytes.byteLength - this.#keep;
    if (limit <= 0) return;
    const host = this.#matcher.host;
    if (!containsAscii(bytes, host)) {
      // Nothing here can be a reference except a host cut off at the end, which stays behind.
      out.push(bytes.subarray(0, limit));
      this.#before = bytes[limit - 1] as number;
      this.#carry = bytes.subarray(limit);
      return;
    }
    // Valid UTF-8 (the usual case) is decoded natively; anything else byte-per-char, so that no
    // byte outside a reference is ever altered. Either way only ASCII is matched.
    const utf8 = decodeUtf8(bytes);
    const text = utf8 ?? toByteString(bytes);
    const result = this.#matcher.rewrite(text, this.#target, {
      bare: 'anywhere',
      limit: utf8 === undefined ? limit : charsIn(bytes, limit),
      before: this.#before,
    });
    const decidedChars = Math.min(result.decided, text.length);
    const decided =
      utf8 === undefined
        ? decidedChars
        : utf8Encoder.encode(text.slice(0, decidedChars)).byteLength;
    if (!result.changed) out.push(bytes.subarray(0, decided));
    else {
      const rewritten = result.text.slice(0, result.text.length - (text.length - decidedChars));
      out.push(utf8 === undefined ? fromByteString(rewritten) : utf8Encoder.encode(rewritten));
    }
    this.#before = bytes[decided - 1] ?? this.#before;
    this.#carry = bytes.subarray(decided);
  }
}

/** Something that turns pushed bytes into decided bytes, with a final flush. */
export interface ByteRewriter {
  push(chunk: Uint8Array, out: Uint8Array[]): void;
  flush(out: Uint8Array[]): void;
}

/** A {@link ByteRewriter} as a byte sink: each step's decided parts go out as they are. */
export function byteRewriterSink(rewriter: ByteRewriter): ByteSinkFactory {
  return (emit) => {
    const run = (step: (out: Uint8Array[]) => void) => {
      const out: Uint8Array[] = [];
      step(out);
      for (const part of out) if (part.byteLength > 0) emit(part);
    };
    return {
      write: (chunk) => run((out) => rewriter.push(chunk, out)),
      end: () => run((out) => rewriter.flush(out)),
    };
  };
}
