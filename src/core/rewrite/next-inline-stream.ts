/**
 * One `<script>`'s Next.js inline payload, rewritten as the script streams in (an engine's
 * {@link TextStream}), so its bytes leave as they arrive instead of after `</script>`. A page's
 * last payload is often its largest (145 KB on the fixture page, ending 14 bytes before the page
 * does): handed over whole, all of it was rewritten and compressed after the origin's last byte.
 *
 * The script's start is held until it shows whether it is a push call (the call ends at the
 * script's first quote, so a quote that is not the call's decides it is not one); a double-quoted
 * body in the JSON form then goes through the document's Flight rewriter piece by piece, as it
 * arrives (only an escape split between pieces waits for its other half). Whatever this cannot
 * stream takes the whole-script path as before ({@link NextInlinePayloads.rewriteScriptBytes}):
 * a single-quoted payload, or a script whose first 4 KiB hold no quote. A body that leaves the
 * JSON form midway (`\x41`, a raw `<`) has its rest held to the end of the script and brought
 * to the JSON form there (kept as written if nothing in it changes); what is already out stays
 * valid, since JSON-form pieces concatenate. Such a script's escapes can then differ from the
 * whole path's, which brings all of the body to the JSON form; the payload is the same.
 */
import { fromByteString, toByteString } from '../bytes/byte-strings.ts';
import { outputPieces, type TextStream, type TextStreamOutput } from '../html/index.ts';
import { escapeBoundary, type FlightTextRewriter } from './flight-text.ts';
import {
  asJsonBody,
  JSON_BODY_MAX_CHARS,
  JSON_RUN,
  PARTIAL_ESCAPE,
  PUSH_CALL,
  stringEnd,
} from './js-literals.ts';

/** How much of a script's start is read to find its push call. */
const CALL_WINDOW = 4096;

const Phase = {
  /** Reading the script's start, held. */
  Call: 0,
  /** In the payload's literal body, streaming it. */
  Body: 1,
  /** The body left the JSON form: its rest is held to the script's end. */
  Rest: 2,
  /** Held whole for the whole-script path. */
  Whole: 3,
  /** Nothing more to do: the rest of the script passes as it is. */
  Through: 4,
} as const;
type Phase = (typeof Phase)[keyof typeof Phase];

export class InlinePayloadStream implements TextStream {
  readonly #flight: FlightTextRewriter;
  readonly #rewriteWhole: (script: string) => string | undefined;
  #phase: Phase = Phase.Call;
  /** Byte string held for the phase: the script's start, a split escape, the body's rest. */
  #held = '';

  constructor(flight: FlightTextRewriter, rewriteWhole: (script: string) => string | undefined) {
    this.#flight = flight;
    this.#rewriteWhole = rewriteWhole;
  }

  write(bytes: Uint8Array): TextStreamOutput {
    switch (this.#phase) {
      case Phase.Through:
        return bytes;
      case Phase.Call:
        return this.#call(bytes);
      case Phase.Body:
        return this.#body(toByteString(bytes), this.#held === '' ? bytes : undefined);
      default: // Rest, Whole
        this.#held += toByteString(bytes);
        return undefined;
    }
  }

  end(): TextStreamOutput {
    const held = this.#held;
    this.#held = '';
    const phase = this.#phase;
    this.#phase = Phase.Through;
    switch (phase) {
      case Phase.Call:
        return held === '' ? undefined : fromByteString(held);
      case Phase.Body:
        // A literal the script never closes: not valid JavaScript; what is decided goes out.
        return fromByteString(this.#flight.push('', true) + held);
      case Phase.Rest:
        return fromByteString(this.#rest(held));
      case Phase.Whole:
        return fromByteString(this.#rewriteWhole(held) ?? held);
      default:
        return undefined;
    }
  }

  #call(bytes: Uint8Array): TextStreamOutput {
    const window = bytes.subarray(0, Math.max(0, CALL_WINDOW - this.#held.length));
    const head = this.#held + toByteString(window);
    const call = PUSH_CALL.exec(head);
    if (call === null) {
      if (/["']/.test(head)) {
        // The script's first quote is not its push call's: it is not a payload.
        this.#phase = Phase.Through;
        return this.#releaseHeld(bytes);
      }
      if (head.length < CALL_WINDOW && window.length === bytes.length) {
        this.#held = head;
        return undefined;
      }
      this.#phase = Phase.Whole;
      this.#held += toByteString(bytes);
      return undefined;
    }
    if (call[1] === "'") {
      this.#phase = Phase.Whole;
      this.#held += toByteString(bytes);
      return undefined;
    }
    this.#phase = Phase.Body;
    const callBytes = call[0].length;
    if (this.#held === '') {
      const body = bytes.subarray(callBytes);
      return [bytes.subarray(0, callBytes), ...outputPieces(this.#body(toByteString(body), body))];
    }
    const text = this.#held + toByteString(bytes);
    this.#held = '';
    return [
      fromByteString(text.slice(0, callBytes)),
      ...outputPieces(this.#body(text.slice(callBytes))),
    ];
  }

  /** The held start (not a payload) and `bytes`, unchanged. */
  #releaseHeld(bytes: Uint8Array): TextStreamOutput {
    const held = this.#held;
    this.#held = '';
    return held === '' ? bytes : [fromByteString(held), bytes];
  }

  /**
   * The next piece of the body, and of what follows it when the literal closes in it. `view` is
   * the same text as bytes, when there is one, to send unchanged text as it came.
   */
  #body(piece: string, view?: Uint8Array): TextStreamOutput {
    const text = this.#held + piece;
    this.#held = '';
    let out = '';
    for (let from = 0; ;) {
      // The form check backtracks per escape: a very long piece is checked a slice at a time,
      // cut between escapes (the text starts at an escape's start: a split one was held).
      const to =
        text.length - from > JSON_BODY_MAX_CHARS
          ? escapeBoundary(text, from + JSON_BODY_MAX_CHARS)
          : text.length;
      const run = text.slice(from, to);
      JSON_RUN.lastIndex = 0;
      JSON_RUN.test(run);
      const stop = from + JSON_RUN.lastIndex;
      if (stop === to) {
        out += this.#flight.push(run, false);
        if (to === text.length) break;
        from = to;
        continue;
      }
      const closes = text.charCodeAt(stop) === 0x22; /* " */
      out += this.#flight.push(text.slice(from, stop), closes);
      const rest = text.slice(stop);
      if (closes) {
        this.#phase = Phase.Through; // The rest of the script passes as it is.
        out += rest;
      } else if (PARTIAL_ESCAPE.test(rest)) {
        this.#held = rest; // An escape split between pieces: the next piece completes it.
      } else {
        this.#phase = Phase.Rest;
        this.#held = rest;
      }
      break;
    }
    if (view !== undefined && out === text) return view;
    return out === '' ? undefined : fromByteString(out);
  }

  /** The body's rest from where it left the JSON form, and the rest of the script after it. */
  #rest(held: string): string {
    const close = stringEnd(held, -1, '"');
    const json = close === -1 ? undefined : asJsonBody(held.slice(0, close), '"');
    if (json === undefined) {
      // Unreadable (no closing quote, a lone surrogate): what the rewriter holds goes out as it
      // came, then the rest unchanged.
      return this.#flight.flush() + held;
    }
    const rewritten = this.#flight.push(json, true);
    // Unchanged, it keeps its own escapes, as an unchanged script does on the whole path.
    return rewritten === json ? held : rewritten + held.slice(close);
  }
}
