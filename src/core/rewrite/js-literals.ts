/**
 * JavaScript string literals as Next.js writes its inline Flight payloads, read and written in
 * byte strings (one char per byte, see byte-strings.ts): finding a `self.__next_f.push([1,"…"])`
 * call, the end of its literal, whether the literal is already in the JSON form the payload
 * rewriter works on, and the conversions to and from that form for the rest.
 */
import { byteStringOfText, strictTextOfByteString } from '../bytes/byte-strings.ts';

/**
 * JS whitespace (WhiteSpace and LineTerminator) in byte-string form: the ASCII ones, and the
 * UTF-8 bytes of U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF.
 */
const WS = String.raw`(?:[\t\n\v\f\r ]|\xc2\xa0|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]|\xe2\x81\x9f|\xe3\x80\x80|\xef\xbb\xbf)*`;
const NEXT_F = String.raw`(?:self|window)\.__next_f`;
/** `self.__next_f.push([1,"` (or `(self.__next_f=self.__next_f||[]).push([1,'`), in a byte string. */
export const PUSH_CALL = new RegExp(
  String.raw`^${WS}(?:${NEXT_F}\.push|\(${WS}${NEXT_F}${WS}=${WS}${NEXT_F}${WS}\|\|${WS}\[\]${WS}\)${WS}\.push)\(\[${WS}1${WS},${WS}(['"])`,
);

/** Index of the quote closing the string literal that starts after `open`, or -1. */
export function stringEnd(text: string, open: number, quote: string): number {
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
 * A double-quoted literal body in the form Next.js writes, and its closing quote (`JSON_BODY`), or
 * a run of such a body (`JSON_RUN`, for a body that arrives in pieces); sticky, matched from
 * `lastIndex`: JSON's short escapes except `\/`; `\u` escapes only of `<`, `>`, `&` and
 * non-ASCII non-surrogates; no raw control characters and no raw `<`. Such a body is rewritten as
 * written. Anything else takes the general reader and is brought to this form first, because the
 * escaped rewriter reads row ends as `\n` and a host's neighbours as single chars (a `\u000a` row
 * end or a `\u002e` after a host would be misread), and because a raw `<` could join, through a
 * `T` row held across scripts, a later payload's `/script>` and close the script it is written
 * into. So no raw `<` ever reaches the rewriter, and rewritten payloads are safe in `<script>`.
 *
 * Written as an unrolled loop (a run of plain chars, then escape + run, repeated): escapes and
 * plain chars cannot be confused, so a failed match backtracks linearly, and the backtracking
 * stack grows per escape rather than per char; it still grows with the body, hence the limit.
 */
export const JSON_RUN =
  // eslint-disable-next-line no-control-regex -- raw control characters are exactly what JSON rejects
  /[^"\\<\u0000-\u001f]*(?:(?:\\[nrtbf"\\]|\\u(?:003[cCeE]|0026|(?!00[0-7]|[dD][89a-fA-F])[0-9a-fA-F]{4}))[^"\\<\u0000-\u001f]*)*/y;
export const JSON_BODY = new RegExp(`${JSON_RUN.source}"`, 'y');
/** What may still become an escape of that form once more text arrives. */
export const PARTIAL_ESCAPE = /^\\(?:u[0-9a-fA-F]{0,3})?$/;
export const JSON_BODY_MAX_CHARS = 1 << 20;

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

/**
 * A literal body (byte string) with non-JSON escapes or quoting, in the JSON form (undefined:
 * unreadable). Rare, so it goes through text.
 */
export function asJsonBody(body: string, quote: string): string | undefined {
  const text = strictTextOfByteString(body);
  const value = text === undefined ? undefined : unescapeJs(text, quote);
  return value === undefined ? undefined : byteStringOfText(escapeJs(value, '"'));
}

/** JSON-form text written back into a literal quoted with `quote`. */
export function fromJsonBody(json: string, quote: string): string {
  return quote === "'" ? json.replace(/\\"/g, '"').replace(/'/g, "\\'") : json;
}
