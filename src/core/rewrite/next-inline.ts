/**
 * Next.js App Router pages carry their RSC Flight stream inline, as JavaScript string literals in
 * `self.__next_f.push([1,"…"])` scripts. The client concatenates every pushed payload into one
 * stream, so the payloads are rewritten as one stream too, by a document-wide
 * {@link FlightTextRewriter} working on the payloads *as written* (JSON-escaped): lengths count
 * the bytes the escapes stand for, and nothing is unescaped or re-escaped — a page's payloads are
 * most of its bytes, and decoding and re-encoding all of them cost more than the rest of the
 * rewrite. A payload written with escapes JSON lacks (single quotes, `\x41`) is first brought to
 * the JSON form, and written back in its own quoting.
 *
 * A `T` row whose text continues into later scripts is held until it is complete (up to
 * `max_combined_payload_bytes`; past that it passes through unchanged) and then written, with
 * its recomputed length, into the script that completes it — the concatenated stream is the same
 * Flight data, with lengths that match the rewritten text. Scripts where nothing changes keep
 * their exact bytes.
 */
import type { OriginMatcher, OriginUrlTarget } from './origin-urls.ts';
import { FlightTextRewriter } from './flight-text.ts';

const PUSH_CALL =
  /^\s*(?:(?:self|window)\.__next_f\.push|\(\s*(?:self|window)\.__next_f\s*=\s*(?:self|window)\.__next_f\s*\|\|\s*\[\]\s*\)\s*\.push)\(\[\s*1\s*,\s*(['"])/;

/** Index of the quote closing the string literal that starts after `open`, or -1. */
function stringEnd(text: string, open: number, quote: string): number {
  const newline = text.indexOf('\n', open); // A raw newline cannot be inside a string literal.
  let at = open + 1;
  for (;;) {
    const close = text.indexOf(quote, at);
    if (close === -1 || (newline !== -1 && newline < close)) return -1;
    // Escaped if preceded by an odd number of backslashes.
    let slashes = 0;
    while (text.charCodeAt(close - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return close;
    at = close + 1;
  }
}

/** Escapes that JSON does not have (or reads differently), which need the slow path. A `\u`
 * escape of a surrogate is sent there too, to be checked for pairing. */
// eslint-disable-next-line no-control-regex -- raw control characters are exactly what JSON rejects
const NOT_JSON = /\\(?:[^nrtbf"\\/u]|u(?![0-9a-fA-F]{4})|u[dD][89a-fA-F])|[\u0000-\u001f]/;

/**
 * A double-quoted literal body in the form Next.js writes, and its closing quote (sticky: matched
 * from `lastIndex`): JSON's short escapes except `\/`; `\u` escapes only of `<`, `>`, `&` and
 * non-ASCII non-surrogates; no raw control characters. Such a body is rewritten as written.
 * Anything else takes the general reader and is brought to this form first, because the escaped
 * rewriter reads row ends as `\n` and a host's neighbours as single chars (a `\u000a` row end or a
 * `\u002e` after a host would be misread). One char or escape per step, so a failed match
 * backtracks linearly; its backtracking stack grows with the body, hence the length limit.
 */
const JSON_BODY =
  // eslint-disable-next-line no-control-regex -- raw control characters are exactly what JSON rejects
  /(?:[^"\\\u0000-\u001f]|\\[nrtbf"\\]|\\u(?:003[cCeE]|0026|(?!00[0-7]|[dD][89a-fA-F])[0-9a-fA-F]{4}))*"/y;
const JSON_BODY_MAX_CHARS = 1 << 20;

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

/** `\u{1F600}`, matched where a `\u` escape starts (sticky). */
const BRACED_ESCAPE = /\{([0-9a-fA-F]{1,6})\}/y;

/** The value of a JS string literal's body, or undefined when it is not one we can read exactly. */
export function unescapeJs(body: string, quote = '"'): string | undefined {
  // Fast path: a double-quoted body that is also valid JSON (what Next.js writes) — native parse.
  if (quote === '"' && !NOT_JSON.test(body)) {
    try {
      const value = JSON.parse(`"${body}"`) as string;
      return value.isWellFormed() ? value : undefined;
    } catch {
      // Fall through to the general reader.
    }
  }
  // The general reader: untouched runs are sliced between backslashes and joined once (a
  // char-by-char build would make a cons cell per char of a multi-megabyte body).
  const parts: string[] = [];
  let from = 0;
  for (let i = body.indexOf('\\'); i !== -1; i = body.indexOf('\\', from)) {
    parts.push(body.slice(from, i));
    const next = body[i + 1];
    if (next === undefined) return undefined;
    let length = 2;
    if (next in SIMPLE_ESCAPES && !(next === '0' && /[0-9]/.test(body[i + 2] ?? ''))) {
      parts.push(SIMPLE_ESCAPES[next] as string);
    } else if (next === 'x') {
      const hex = body.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      parts.push(String.fromCharCode(parseInt(hex, 16)));
      length = 4;
    } else if (next === 'u') {
      BRACED_ESCAPE.lastIndex = i + 2;
      const braced = BRACED_ESCAPE.exec(body);
      if (braced) {
        parts.push(String.fromCodePoint(parseInt(braced[1] as string, 16)));
        length = 2 + braced[0].length;
      } else {
        const hex = body.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined;
        parts.push(String.fromCharCode(parseInt(hex, 16)));
        length = 6;
      }
    } else if (next === '\r' || next === '\n' || next === '\u2028' || next === '\u2029') {
      if (next === '\r' && body[i + 2] === '\n') length = 3; // Line continuation: nothing.
    } else parts.push(next);
    from = i + length;
  }
  parts.push(body.slice(from));
  const out = parts.join('');
  // A lone surrogate cannot survive a trip through UTF-8; leave such payloads alone.
  return out.isWellFormed() ? out : undefined;
}

/** A JS string literal body for `value`, safe inside `<script>` (as Next.js writes them). */
export function escapeJs(value: string, quote: string): string {
  let json = JSON.stringify(value).slice(1, -1);
  if (quote === "'") json = json.replace(/\\"/g, '"').replace(/'/g, "\\'");
  return json.replace(
    HTML_UNSAFE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

export class NextInlinePayloads {
  readonly #flight: FlightTextRewriter;

  constructor(matcher: OriginMatcher, target: OriginUrlTarget, maxHeldBytes: number) {
    this.#flight = new FlightTextRewriter(matcher, target, maxHeldBytes, { escaped: true });
  }

  /** The script's new text, or undefined when it is not a data push or nothing changed. */
  rewriteScript(text: string): string | undefined {
    const call = PUSH_CALL.exec(text);
    if (!call) return undefined;
    const quote = call[1] as string;
    const open = call[0].length - 1;
    // The common case in one native pass: a double-quoted body in plain JSON form, up to its
    // closing quote. Anything else takes the general reader.
    JSON_BODY.lastIndex = open + 1;
    const plain = quote === '"' && text.length <= JSON_BODY_MAX_CHARS && JSON_BODY.test(text);
    const close = plain ? JSON_BODY.lastIndex - 1 : stringEnd(text, open, quote);
    if (close === -1) return undefined;
    const body = text.slice(open + 1, close);
    const json = plain ? body : asJsonBody(body, quote);
    if (json === undefined) return undefined;
    const rewritten = this.#flight.push(json);
    if (rewritten === json) return undefined;
    const written = htmlSafe(json === body ? rewritten : fromJsonBody(rewritten, quote));
    return `${text.slice(0, open + 1)}${written}${text.slice(close)}`;
  }

  /** Text still held at the end of the document (an unfinished T row) goes out in one more push. */
  documentEnd(): string {
    const rest = this.#flight.flush();
    return rest === '' ? '' : `<script>self.__next_f.push([1,"${htmlSafe(rest)}"])</script>`;
  }
}

/**
 * A rewritten body with any raw `<` written as `\u003c`: a page may have a raw `<` in a payload,
 * harmless there, but a `T` row held across scripts joins text from two payloads (`…<` +
 * `/script>…`) and must not close the script it is written into.
 */
function htmlSafe(body: string): string {
  return body.includes('<') ? body.replaceAll('<', '\\u003c') : body;
}

/** A literal body with non-JSON escapes or quoting, in the JSON form (undefined: unreadable). */
function asJsonBody(body: string, quote: string): string | undefined {
  const value = unescapeJs(body, quote);
  return value === undefined ? undefined : escapeJs(value, '"');
}

/** JSON-form text written back into a literal quoted with `quote`. */
function fromJsonBody(json: string, quote: string): string {
  return quote === "'" ? json.replace(/\\"/g, '"').replace(/'/g, "\\'") : json;
}
