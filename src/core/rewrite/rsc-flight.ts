/**
 * `text/x-component` (RSC Flight) responses: decoded as UTF-8 on the way in and rewritten by the
 * same {@link FlightTextRewriter} that handles inline payloads. A body that is not valid UTF-8 is
 * not Flight data any more: it is rewritten up to the first invalid byte, and from there on passes
 * through untouched (a row held at that point goes out as it came).
 */
import { concatBytes } from '../bytes/byte-arrays.ts';
import { FlightTextRewriter } from './flight-text.ts';
import type { OriginMatcher, OriginUrlTarget } from './origin-urls.ts';
import type { ByteRewriter } from './text-replacer.ts';

const encoder = new TextEncoder();

/** Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence. */
function completePrefix(bytes: Uint8Array): number {
  const end = bytes.length;
  for (let back = 1; back <= Math.min(3, end); back++) {
    const byte = bytes[end - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? end - back : end;
  }
  return end;
}

export class FlightByteRewriter implements ByteRewriter {
  readonly #flight: FlightTextRewriter;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  #tail: Uint8Array = new Uint8Array(0);
  #raw = false;

  constructor(matcher: OriginMatcher, target: OriginUrlTarget, maxRowBytes: number) {
    this.#flight = new FlightTextRewriter(matcher, target, maxRowBytes);
  }

  push(chunk: Uint8Array, out: Uint8Array[]): void {
    if (this.#raw) return void out.push(chunk);
    const bytes = this.#tail.length > 0 ? concatBytes([this.#tail, chunk]) : chunk;
    const cut = completePrefix(bytes);
    let text: string;
    try {
      text = this.#decoder.decode(bytes.subarray(0, cut));
    } catch {
      // Rewrite up to the first invalid byte, then let everything through as it is.
      const valid = this.#validPrefix(bytes.subarray(0, cut));
      const head = this.#decoder.decode(bytes.subarray(0, valid));
      this.#raw = true;
      out.push(
        encoder.encode(this.#flight.push(head, true) + this.#flight.flush()),
        bytes.subarray(valid),
      );
      this.#tail = new Uint8Array(0);
      return;
    }
    this.#tail = bytes.slice(cut);
    out.push(encoder.encode(this.#flight.push(text, false)));
  }

  /** The longest prefix that decodes (binary search with the same strict decoder; rare path). */
  #validPrefix(bytes: Uint8Array): number {
    let good = 0;
    let bad = bytes.length;
    while (bad - good > 1) {
      const mid = completePrefix(bytes.subarray(0, (good + bad) >>> 1));
      if (mid <= good) break;
      try {
        this.#decoder.decode(bytes.subarray(0, mid));
        good = mid;
      } catch {
        bad = mid;
      }
    }
    return good;
  }

  flush(out: Uint8Array[]): void {
    if (!this.#raw) out.push(encoder.encode(this.#flight.flush()));
    out.push(this.#tail);
    this.#tail = new Uint8Array(0);
  }
}
