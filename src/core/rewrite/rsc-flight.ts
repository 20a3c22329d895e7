/**
 * React Server Components "Flight" responses (`text/x-component`), rewritten as they stream.
 *
 * A Flight stream is rows: `id:json\n`, `id:Xdata\n` (X an uppercase tag), and length-delimited
 * `id:T<hexlen>,<text>` and `id:V<hexlen>,<bytes>` rows with no trailing newline. Newline rows go
 * through the streaming origin-URL replacer unchanged in framing. A `T` row's text is held until
 * complete, rewritten, and written back as `id:T<new hex length>,` — the length is the UTF-8 byte
 * count, so a shorter or longer first-party host keeps the stream parseable. `V` rows pass
 * untouched. A `T` row longer than `maxRowBytes` passes through unchanged rather than be held.
 */
import { concatBytes } from '../html/bytes.ts';
import { latin1Decode } from '../html/text-codec.ts';
import type { OriginMatcher, OriginUrlTarget } from './origin-urls.ts';
import {
  byteRewriterStream,
  decodeUtf8,
  latin1Encode,
  OriginTextReplacer,
} from './text-replacer.ts';

const encoder = new TextEncoder();

const State = { Id: 0, Tag: 1, Length: 2, TextBody: 3, RawBody: 4, Line: 5 } as const;
type State = (typeof State)[keyof typeof State];

const COLON = 0x3a;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

function isHex(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x61 && byte <= 0x66) ||
    (byte >= 0x41 && byte <= 0x46)
  );
}

export class FlightRewriter {
  readonly #matcher: OriginMatcher;
  readonly #target: OriginUrlTarget;
  readonly #replacer: OriginTextReplacer;
  readonly #maxRowBytes: number;
  #state: State = State.Id;
  /** The current row's header bytes (`id:T1a,`), held until we know what the row is. */
  #header: number[] = [];
  #rowId = '';
  #isText = false;
  #length = 0;
  #remaining = 0;
  #body: Uint8Array[] = [];

  constructor(matcher: OriginMatcher, target: OriginUrlTarget, maxRowBytes: number) {
    this.#matcher = matcher;
    this.#target = target;
    this.#replacer = new OriginTextReplacer(matcher, target);
    this.#maxRowBytes = maxRowBytes;
  }

  push(chunk: Uint8Array, out: Uint8Array[]): void {
    let i = 0;
    while (i < chunk.byteLength) {
      switch (this.#state) {
        case State.Id: {
          const byte = chunk[i++] as number;
          this.#header.push(byte);
          if (byte === COLON) {
            this.#rowId = String.fromCharCode(...this.#header.slice(0, -1));
            this.#state = State.Tag;
          } else if (!isHex(byte) || this.#header.length > 16) this.#toLine(out);
          break;
        }
        case State.Tag: {
          const byte = chunk[i++] as number;
          this.#header.push(byte);
          if (byte === 0x54 /* T */ || byte === 0x56 /* V */) {
            this.#isText = byte === 0x54;
            this.#length = 0;
            this.#state = State.Length;
          } else this.#toLine(out);
          break;
        }
        case State.Length: {
          const byte = chunk[i++] as number;
          this.#header.push(byte);
          if (byte === COMMA) this.#startBody(out);
          else if (isHex(byte) && this.#header.length < 32) {
            this.#length = this.#length * 16 + parseInt(String.fromCharCode(byte), 16);
          } else this.#toLine(out);
          break;
        }
        case State.TextBody: {
          const take = Math.min(this.#remaining, chunk.byteLength - i);
          this.#body.push(chunk.slice(i, i + take));
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) this.#finishText(out);
          break;
        }
        case State.RawBody: {
          const take = Math.min(this.#remaining, chunk.byteLength - i);
          out.push(chunk.subarray(i, i + take));
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) this.#state = State.Id;
          break;
        }
        case State.Line: {
          const newline = chunk.indexOf(NEWLINE, i);
          const end = newline === -1 ? chunk.byteLength : newline + 1;
          this.#replacer.push(chunk.subarray(i, end), out);
          i = end;
          if (newline !== -1) this.#state = State.Id;
          break;
        }
      }
    }
  }

  /**
   * Decides the newline-row text held back for references that might continue (used at script
   * boundaries of inline payloads); an unfinished `T` row stays held.
   */
  flushLines(out: Uint8Array[]): void {
    this.#replacer.flush(out);
  }

  /** End of the stream: whatever is partial goes out as it came. */
  flush(out: Uint8Array[]): void {
    if (this.#state === State.TextBody) {
      this.#replacer.flush(out);
      out.push(Uint8Array.from(this.#header), ...this.#body);
    } else if (this.#header.length > 0) this.#replacer.push(Uint8Array.from(this.#header), out);
    this.#header = [];
    this.#body = [];
    this.#replacer.flush(out);
  }

  /** Not a length row: the header bytes are ordinary content of a newline-ended row. */
  #toLine(out: Uint8Array[]): void {
    const header = Uint8Array.from(this.#header);
    this.#header = [];
    this.#replacer.push(header, out);
    this.#state = header[header.length - 1] === NEWLINE ? State.Id : State.Line;
  }

  #startBody(out: Uint8Array[]): void {
    const isText = this.#isText;
    // A length row starts at a row boundary, so nothing before it can continue into it.
    this.#replacer.flush(out);
    this.#remaining = this.#length;
    if (isText && this.#length <= this.#maxRowBytes && this.#length > 0) {
      this.#state = State.TextBody;
      this.#body = [];
      return;
    }
    out.push(Uint8Array.from(this.#header));
    this.#header = [];
    this.#state = this.#length > 0 ? State.RawBody : State.Id;
  }

  #finishText(out: Uint8Array[]): void {
    const body = concatBytes(this.#body);
    const utf8 = decodeUtf8(body);
    const result = this.#matcher.rewrite(utf8 ?? latin1Decode(body), this.#target, {
      bare: 'anywhere',
    });
    let content = body;
    if (result.changed)
      content = utf8 === undefined ? latin1Encode(result.text) : encoder.encode(result.text);
    out.push(latin1Encode(`${this.#rowId}:T${content.byteLength.toString(16)},`), content);
    this.#header = [];
    this.#body = [];
    this.#state = State.Id;
  }
}

export function rscFlightStream(
  matcher: OriginMatcher,
  target: OriginUrlTarget,
  maxRowBytes: number,
): TransformStream<Uint8Array, Uint8Array> {
  return byteRewriterStream(new FlightRewriter(matcher, target, maxRowBytes));
}
