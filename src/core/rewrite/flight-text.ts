/**
 * React Server Components "Flight" data, rewritten as it streams.
 *
 * A Flight stream is rows: `id:json\n`, `id:Xdata\n` (X an uppercase tag), and length-delimited
 * `id:T<hexlen>,<text>` and `id:V<hexlen>,<bytes>` rows with no trailing newline. Newline rows
 * have their origin URLs rewritten in place. A `T` row's text is held until complete, rewritten,
 * and written back as `id:T<new hex length>,` — the length is the UTF-8 byte count, so a shorter
 * or longer first-party host keeps the data parseable. `V` rows pass untouched; a `T` row longer
 * than `maxHeldBytes` passes through unchanged rather than be held.
 *
 * Works on strings (UTF-16), counting UTF-8 bytes for the lengths: `text/x-component` responses
 * are decoded on the way in (rsc-flight.ts). With `escaped`, the text is the body of a JSON string
 * literal instead, as a byte string (one char per byte, see byte-strings.ts) — inline payloads as
 * Next.js writes them — and is rewritten as it stands: lengths count the bytes the escapes stand
 * for, a row ends at the `\n` escape, and nothing is unescaped or re-escaped (origin and
 * first-party URLs need no escaping, so a rewritten URL is the same in both forms). That saves
 * decoding and re-encoding every payload of a page.
 */
import {
  escapedCharBefore,
  maxReferenceLength,
  type OriginMatcher,
  type OriginUrlTarget,
} from './origin-urls.ts';

const State = { Id: 0, Tag: 1, Length: 2, TextBody: 3, RawBody: 4, Line: 5 } as const;
type State = (typeof State)[keyof typeof State];

function isHex(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x61 && code <= 0x66) ||
    (code >= 0x41 && code <= 0x46)
  );
}

/** UTF-8 bytes of one UTF-16 unit (a surrogate pair counts 4 in total: 2 + 2). */
function utf8Units(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdfff) return 2;
  return 3;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) bytes += utf8Units(text.charCodeAt(i));
  return bytes;
}

/**
 * Walks JSON-escaped byte-string text from `i` until `budget` UTF-8 bytes of the text it stands
 * for are consumed (or the text ends), whole escapes at a time: a raw char is one byte, an escape
 * the bytes of the char it stands for. Returns the index reached and the bytes.
 */
function advanceEscaped(text: string, i: number, budget: number): { at: number; bytes: number } {
  let bytes = 0;
  const n = text.length;
  while (i < n && bytes < budget) {
    if (text.charCodeAt(i) !== 0x5c /* \ */) {
      // A run of raw chars, one byte each: up to the next escape, or as far as the budget goes.
      let runEnd = text.indexOf('\\', i);
      if (runEnd === -1) runEnd = n;
      const take = Math.min(runEnd - i, budget - bytes);
      bytes += take;
      i += take;
    } else if (text.charCodeAt(i + 1) === 0x75 /* u */) {
      bytes += utf8Units(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else {
      bytes += 1; // \n \r \t \b \f \" \\ \/: one ASCII byte each
      i += 2;
    }
  }
  return { at: i, bytes };
}

/** Where a length row could start (conservatively: any `:T` or `:V`). */
const LENGTH_ROW = /:[TV]/;

/** More than a row header takes (16 hex digits of id, `:` and the tag). */
const HEADER_ROOM = 24;

/**
 * Index just past the last row-ending `\n` escape of JSON-escaped text that starts at or after
 * `from`, or -1. Searched forward from `from`: a backward search would walk all of a long row.
 */
function lastRowEndFrom(text: string, from: number): number {
  let found = -1;
  for (
    let at = text.indexOf('\\n', Math.max(0, from));
    at !== -1;
    at = text.indexOf('\\n', at + 1)
  ) {
    let run = 1;
    while (at - run >= 0 && text.charCodeAt(at - run) === 0x5c) run++;
    if (run % 2 === 1) found = at + 2;
  }
  return found;
}

/** Index just past the next row-ending newline from `i` (`\n`, or its escape), or -1. */
function lineEnd(text: string, i: number, escaped: boolean): number {
  if (!escaped) {
    const newline = text.indexOf('\n', i);
    return newline === -1 ? -1 : newline + 1;
  }
  // The escape `\n`, unless its backslash is itself escaped (`\\n` is a backslash and an `n`).
  for (;;) {
    const at = text.indexOf('\\n', i);
    if (at === -1) return -1;
    let run = 1;
    while (at - run >= i && text.charCodeAt(at - run) === 0x5c) run++;
    if (run % 2 === 1) return at + 2;
    i = at + 2;
  }
}

/**
 * `at`, or the start of the escape `at` falls inside, in JSON-escaped text that starts at an
 * escape boundary. Escapes are `\x` or `\uXXXX` and hold no backslash after their first char, so
 * the nearest backslash within five chars before `at` decides it.
 */
export function escapeBoundary(text: string, at: number): number {
  for (let slash = at - 1; slash >= 0 && slash >= at - 5; slash--) {
    if (text.charCodeAt(slash) !== 0x5c) continue;
    let before = 0;
    while (slash - 1 - before >= 0 && text.charCodeAt(slash - 1 - before) === 0x5c) before++;
    if (before % 2 === 1) return at; // The second char of `\\`, an escape that ends by `at`.
    const length = text.charCodeAt(slash + 1) === 0x75 /* u */ ? 6 : 2;
    return slash + length > at ? slash : at;
  }
  return at;
}

export class FlightTextRewriter {
  readonly #matcher: OriginMatcher;
  readonly #target: OriginUrlTarget;
  readonly #maxHeld: number;
  readonly #escaped: boolean;
  #state: State = State.Id;
  #header = '';
  #rowId = '';
  #isText = false;
  #length = 0;
  /** UTF-8 bytes of the current T/V row still to come. */
  #remaining = 0;
  #body: string[] = [];
  /** Line-row text not yet rewritten (rewritten when the row, or the caller's run, ends). */
  #line = '';
  /** The char before `#line` (for the host-boundary check of a reference at its start). */
  #before = 0x0a;
  readonly #keep: number;

  /** `escaped`: the text is JSON string-literal bodies (see the module comment). */
  constructor(
    matcher: OriginMatcher,
    target: OriginUrlTarget,
    maxHeldBytes: number,
    options: { escaped?: boolean } = {},
  ) {
    this.#matcher = matcher;
    this.#target = target;
    this.#maxHeld = maxHeldBytes;
    this.#escaped = options.escaped === true;
    this.#keep = maxReferenceLength(matcher.host);
  }

  /**
   * Rewrites the next piece of the stream; returns what is decided now (held `T` text comes out
   * later). With `endOfRun`, line text still open is decided too (the end of an inline payload);
   * without it, the last few chars of an open line wait in case a reference continues (a payload
   * arriving in pieces). Escaped text must come in whole escapes.
   */
  push(text: string, endOfRun = true): string {
    if (this.#escaped) {
      const fast = this.#lineRowsOnly(text, endOfRun);
      if (fast !== undefined) return fast;
    }
    let out = '';
    let i = 0;
    const n = text.length;
    while (i < n) {
      switch (this.#state) {
        // Header states: a char that does not fit a length row's header is left for the Line
        // state (not consumed here), which knows where the row ends.
        case State.Id: {
          const code = text.charCodeAt(i);
          if (code === 0x3a /* : */) {
            this.#rowId = this.#header;
            this.#header += text[i++];
            this.#state = State.Tag;
          } else if (isHex(code) && this.#header.length < 16) this.#header += text[i++];
          else this.#toLine();
          break;
        }
        case State.Tag: {
          const code = text.charCodeAt(i);
          if (code === 0x54 /* T */ || code === 0x56 /* V */) {
            this.#header += text[i++];
            this.#isText = code === 0x54;
            this.#length = 0;
            this.#state = State.Length;
          } else this.#toLine();
          break;
        }
        case State.Length: {
          const code = text.charCodeAt(i);
          if (code === 0x2c /* , */) {
            this.#header += text[i++];
            out += this.#startBody();
          } else if (isHex(code) && this.#header.length < 32) {
            this.#header += text[i++];
            this.#length = this.#length * 16 + parseInt(String.fromCharCode(code), 16);
          } else this.#toLine();
          break;
        }
        case State.TextBody:
        case State.RawBody: {
          const start = i;
          if (this.#escaped) {
            const step = advanceEscaped(text, i, this.#remaining);
            i = step.at;
            this.#remaining -= step.bytes;
          } else {
            while (i < n && this.#remaining > 0) this.#remaining -= utf8Units(text.charCodeAt(i++));
          }
          const piece = text.slice(start, i);
          if (this.#state === State.RawBody) out += piece;
          else this.#body.push(piece);
          if (this.#remaining <= 0) out += this.#state === State.TextBody ? this.#finishText() : '';
          if (this.#remaining <= 0) this.#state = State.Id;
          break;
        }
        case State.Line: {
          const rowEnd = lineEnd(text, i, this.#escaped);
          const end = rowEnd === -1 ? n : rowEnd;
          this.#line += text.slice(i, end);
          i = end;
          if (rowEnd !== -1) {
            out += this.#rewriteLine();
            this.#state = State.Id;
          }
          break;
        }
      }
    }
    return out + this.#rewriteLine(endOfRun);
  }

  /**
   * Escaped payloads without a length row (`:T`/`:V` appears nowhere in them — 99 % of a typical
   * page's payload bytes) that start between or inside newline rows: every complete row is only
   * origin references to rewrite, and references never cross a row end, so one rewrite over all
   * of them equals the row-by-row one (a `\n` escape before a row reads as the newline it is).
   * Only the unfinished last row goes through the state machine. Undefined: not applicable.
   */
  #lineRowsOnly(text: string, endOfRun: boolean): string | undefined {
    const between = this.#state === State.Line || (this.#state === State.Id && this.#header === '');
    if (!between || LENGTH_ROW.test(text)) return undefined;
    // Only a row end near the end matters: a length row's header could start after it (and go
    // on in the next piece). Further back, the row that follows is a line row (its whole header
    // is here, with no `:T`), so all of the text goes on as line rows. Looking only there keeps
    // a long row's pieces from being searched end to end for row ends they do not have.
    const end = lastRowEndFrom(text, text.length - HEADER_ROOM);
    if (end === -1) {
      // A short text after a row end may be the start of a length row's header.
      if (this.#state === State.Id && text.length < HEADER_ROOM) return undefined;
      this.#line += text;
      this.#state = State.Line;
      return this.#rewriteLine(endOfRun);
    }
    // An open line row (the undecided tail of a payload that came in pieces) is the first row's
    // start: it is rewritten with the rest, after the same char as before.
    const rows = this.#matcher.rewrite(this.#line + text.slice(0, end), this.#target, {
      bare: 'anywhere',
      before: this.#before,
      escaped: true,
    }).text;
    this.#line = '';
    this.#state = State.Id;
    this.#before = 0x0a;
    return rows + this.push(text.slice(end), endOfRun);
  }

  /** Whatever is still held (an unfinished row) goes out as it came. */
  flush(): string {
    const held = this.#state === State.TextBody ? this.#header + this.#body.join('') : this.#header;
    this.#header = '';
    this.#body = [];
    this.#state = State.Id;
    return held + this.#rewriteLine();
  }

  #rewriteLine(final = true): string {
    const line = this.#line;
    const limit = final ? line.length : line.length - this.#keep;
    if (limit <= 0) return '';
    const result = this.#matcher.rewrite(line, this.#target, {
      bare: 'anywhere',
      limit,
      before: this.#before,
      escaped: this.#escaped,
    });
    let decided = Math.min(result.decided, line.length);
    if (!final) {
      // Never end a decided piece between the two halves of a surrogate pair, or inside an escape.
      const last = line.charCodeAt(decided - 1);
      if (last >= 0xd800 && last <= 0xdbff) decided--;
      if (this.#escaped) decided = escapeBoundary(line, decided);
    }
    if (decided === 0) return '';
    // The char the next piece's boundary check sees: in escaped text, the one an escape stands
    // for (`\u2028` ends in `8`, which would read as part of a host name).
    this.#before = this.#escaped ? escapedCharBefore(line, decided) : line.charCodeAt(decided - 1);
    this.#line = line.slice(decided);
    return result.text.slice(0, result.text.length - (line.length - decided));
  }

  /** Not a length row: the header so far is ordinary content of a newline-ended row. */
  #toLine(): void {
    this.#line += this.#header;
    this.#header = '';
    this.#state = State.Line;
  }

  #startBody(): string {
    // A length row starts at a row boundary: the line text before it is complete.
    const before = this.#rewriteLine();
    this.#remaining = this.#length;
    if (this.#length === 0) {
      const header = this.#header;
      this.#header = '';
      this.#state = State.Id;
      return before + header;
    }
    if (this.#isText && this.#length <= this.#maxHeld) {
      this.#state = State.TextBody;
      this.#body = [];
      return before;
    }
    const header = this.#header;
    this.#header = '';
    this.#state = State.RawBody;
    return before + header;
  }

  #finishText(): string {
    const body = this.#body.join('');
    const result = this.#matcher.rewrite(body, this.#target, {
      bare: 'anywhere',
      escaped: this.#escaped,
    });
    const content = result.text;
    let header = this.#header;
    if (result.changed) {
      // Escaped text: the row's bytes as read, plus the change, which is all ASCII (schemes and
      // hosts; escapes in a reference's prefix are kept as they are), so a char is a byte.
      const bytes = this.#escaped
        ? this.#length - this.#remaining + (content.length - body.length)
        : utf8Length(content);
      header = `${this.#rowId}:T${bytes.toString(16)},`;
    }
    this.#header = '';
    this.#body = [];
    return header + content;
  }
}
