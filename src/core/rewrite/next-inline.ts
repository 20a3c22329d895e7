/**
 * Next.js App Router pages carry their RSC Flight stream inline, as JavaScript string literals in
 * `self.__next_f.push([1,"…"])` scripts. The client concatenates every pushed payload into one
 * stream, so the payloads are rewritten as one stream too, by a document-wide
 * {@link FlightTextRewriter} working on the payloads *as written* (JSON-escaped): lengths count
 * the bytes the escapes stand for, and nothing is unescaped or re-escaped — a page's payloads are
 * most of its bytes, and decoding and re-encoding all of them cost more than the rest of the
 * rewrite. For the same reason scripts are read as byte strings (one char per byte): not even
 * UTF-8 decoding is needed, and a raw char's bytes are its length. A payload written with escapes
 * JSON lacks (single quotes, `\x41`) is first brought to the JSON form, and written back in its
 * own quoting.
 *
 * A `T` row whose text continues into later scripts is held until it is complete (up to
 * `max_combined_payload_bytes`; past that it passes through unchanged) and then written, with
 * its recomputed length, into the script that completes it — the concatenated stream is the same
 * Flight data, with lengths that match the rewritten text. Scripts where nothing changes keep
 * their exact bytes.
 */
import type { OriginMatcher, OriginUrlTarget } from './origin-urls.ts';
import { textOfByteString } from '../bytes/byte-strings.ts';
import {
  asJsonBody,
  fromJsonBody,
  JSON_BODY,
  JSON_BODY_MAX_CHARS,
  PUSH_CALL,
  stringEnd,
} from './js-literals.ts';
import { FlightTextRewriter } from './flight-text.ts';
import { InlinePayloadStream } from './next-inline-stream.ts';
import type { TextStream } from '../html/index.ts';

export class NextInlinePayloads {
  readonly #flight: FlightTextRewriter;

  constructor(matcher: OriginMatcher, target: OriginUrlTarget, maxHeldBytes: number) {
    this.#flight = new FlightTextRewriter(matcher, target, maxHeldBytes, { escaped: true });
  }

  /**
   * A script's new text, as a byte string (see byte-strings.ts), or undefined when it is not a
   * data push or nothing changed. Payloads are worked on as bytes: `T` lengths are byte counts,
   * and the page's bytes need no decoding or encoding.
   */
  rewriteScriptBytes(script: string): string | undefined {
    const call = PUSH_CALL.exec(script);
    if (!call) return undefined;
    const quote = call[1] as string;
    const open = call[0].length - 1;
    // The common case in one native pass: a double-quoted body in plain JSON form, up to its
    // closing quote. Anything else takes the general reader.
    JSON_BODY.lastIndex = open + 1;
    const plain = quote === '"' && script.length <= JSON_BODY_MAX_CHARS && JSON_BODY.test(script);
    const close = plain ? JSON_BODY.lastIndex - 1 : stringEnd(script, open, quote);
    if (close === -1) return undefined;
    const body = script.slice(open + 1, close);
    const json = plain ? body : asJsonBody(body, quote);
    if (json === undefined) return undefined;
    const rewritten = this.#flight.push(json);
    if (rewritten === json) return undefined;
    const written = json === body ? rewritten : fromJsonBody(rewritten, quote);
    return `${script.slice(0, open + 1)}${written}${script.slice(close)}`;
  }

  /** A stream for one `<script>`'s text: its payload rewritten as it arrives. */
  openScript(): TextStream {
    return new InlinePayloadStream(this.#flight, (script) => this.rewriteScriptBytes(script));
  }

  /**
   * Text still held at the end of the document (an unfinished T row) goes out in one more push,
   * as HTML. Held text is whole payloads' tails, so it decodes as the page's own bytes do.
   */
  documentEnd(): string {
    const rest = this.#flight.flush();
    return rest === ''
      ? ''
      : `<script>self.__next_f.push([1,"${textOfByteString(rest)}"])</script>`;
  }
}
