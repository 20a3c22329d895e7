/**
 * Finding references to the publisher origin in text and turning them into first-party ones.
 *
 * Forms recognised, with their JSON-escaped twins (`https:\/\/…`, `\/\/…`):
 *   `https://origin`, `http://origin` → `<scheme>://<first-party host>`
 *   `//origin`                        → `//<first-party host>`
 *   bare `origin` (text bodies; in attribute values only at the very start)
 *
 * "Origin" is the authority of `publisher.origin_url`: its host, plus its port when that is not the
 * scheme's default (default ports are equivalent; any other port is another site). The host must
 * end at a boundary, so `origin.example.com.evil.net`, `origin.example.com@evil.net` and
 * `notorigin.example.com` are never rewritten — a deliberate fix over upstream, whose plain
 * substring replacement rewrote them.
 *
 * Works on strings whose chars are bytes or UTF-16 units alike: only ASCII is ever inspected, so
 * a byte-per-char ("binary") string round-trips invalid UTF-8 untouched.
 */

export interface OriginUrlTarget {
  /** `https` or `http`: the scheme the first-party URLs get. */
  scheme: string;
  /** The first-party host, with a port when the client used one. */
  host: string;
}

/** Longest span a reference can need: `https:\/\/` + host + `:65535` + one boundary char. */
export function maxReferenceLength(originHost: string): number {
  return 'https:\\/\\/'.length + originHost.length + ':65535'.length + 1;
}

function isHostChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2e || // .
    code === 0x2d || // -
    code === 0x5f // _
  );
}

export class OriginMatcher {
  /** Lowercase origin host, without port. */
  readonly host: string;
  /** The origin's explicit non-default port, or undefined. */
  readonly port: string | undefined;
  readonly #defaultPort: string;

  constructor(originUrl: string) {
    const url = new URL(originUrl);
    this.host = url.hostname.toLowerCase();
    this.port = url.port === '' ? undefined : url.port;
    this.#defaultPort = url.protocol === 'https:' ? '443' : '80';
  }

  /**
   * Rewrites every origin reference in `text` that starts before `limit` (default: all of it).
   * `before` is the char preceding `text` (for the boundary check of a match at index 0).
   * Returns the new text and how far it is decided (a reference may extend past `limit`).
   */
  rewrite(
    text: string,
    target: OriginUrlTarget,
    options: {
      bare: 'anywhere' | 'start' | 'never';
      limit?: number;
      before?: number;
      /** `text` is a JSON string-literal body: a char written as an escape counts as that char. */
      escaped?: boolean;
    } = {
      bare: 'anywhere',
    },
  ): { text: string; decided: number; changed: boolean } {
    const host = this.host;
    const limit = options.limit ?? text.length;
    let out = '';
    let copied = 0;
    let changed = false;
    let searchFrom = 0;
    for (;;) {
      const at = text.indexOf(host, searchFrom);
      // A reference starts at most 12 chars (`https:\\/\\/`) before its host.
      if (at === -1 || at >= limit + 12) break;
      searchFrom = at + 1;
      const match = this.#matchAt(text, at, options.bare, options.before, options.escaped);
      if (match === undefined || match.start >= limit || match.start < copied) continue;
      out += text.slice(copied, match.start);
      out += match.prefix.replace(/^(https?:)/, `${target.scheme}:`) + target.host;
      copied = match.end;
      searchFrom = match.end;
      changed = true;
    }
    if (!changed) return { text, decided: Math.max(limit, copied), changed: false };
    out += text.slice(copied);
    return { text: out, decided: Math.max(limit, copied), changed: true };
  }

  /** The reference whose host starts at `at`, if it is one. */
  #matchAt(
    text: string,
    at: number,
    bare: 'anywhere' | 'start' | 'never',
    before?: number,
    escaped = false,
  ) {
    const prefix = schemePrefix(text, at, escaped);
    let start = at - prefix.length;
    let prefixText = prefix;
    if (prefix === '') {
      if (bare === 'never' || (bare === 'start' && at !== 0)) return undefined;
      const previous =
        at === 0
          ? (before ?? 0x20)
          : escaped
            ? escapedCharBefore(text, at)
            : text.charCodeAt(at - 1);
      // A bare host must not continue a longer name, a path, an address or an escape.
      if (
        isHostChar(previous) ||
        previous === 0x2f ||
        previous === 0x40 ||
        previous === 0x3a ||
        previous === 0x5c
      ) {
        return undefined;
      }
      start = at;
      prefixText = '';
    }
    let end = at + this.host.length;
    // Port: must be the origin's own (or the default one when the origin has none).
    if (text.charCodeAt(end) === 0x3a /* : */) {
      let digitsEnd = end + 1;
      while (
        digitsEnd < text.length &&
        text.charCodeAt(digitsEnd) >= 0x30 &&
        text.charCodeAt(digitsEnd) <= 0x39
      ) {
        digitsEnd++;
      }
      const port = text.slice(end + 1, digitsEnd);
      if (port !== '') {
        const scheme = prefix.startsWith('https')
          ? '443'
          : prefix.startsWith('http')
            ? '80'
            : this.#defaultPort;
        const same = this.port !== undefined ? port === this.port : port === scheme;
        if (!same) return undefined;
        end = digitsEnd;
      }
    } else if (this.port !== undefined) return undefined;
    const next = end < text.length ? text.charCodeAt(end) : 0x20;
    if (isHostChar(next) || next === 0x40 /* @ */ || next === 0x3a /* : */) return undefined;
    return { start, end, prefix: prefixText };
  }
}

const ESCAPED_CHARS: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, b: 0x08, f: 0x0c };

/** Whether the backslash at `slash` starts an escape (is not itself escaped). */
function isEscapeStart(text: string, slash: number): boolean {
  let run = 0;
  while (slash - run >= 0 && text.charCodeAt(slash - run) === 0x5c) run++;
  return run % 2 === 1;
}

/** The char that ends just before `at` in JSON-escaped text, decoding `\n`, `\u003c` and the like. */
export function escapedCharBefore(text: string, at: number): number {
  if (at >= 6 && text.charCodeAt(at - 5) === 0x75 /* u */ && isEscapeStart(text, at - 6)) {
    const code = parseInt(text.slice(at - 4, at), 16);
    if (!Number.isNaN(code)) return code;
  }
  if (at >= 2 && isEscapeStart(text, at - 2)) {
    const char = text[at - 1] as string;
    return ESCAPED_CHARS[char] ?? char.charCodeAt(0);
  }
  return text.charCodeAt(at - 1);
}

/** The scheme part written right before the host: one of the recognised forms, or ''. */
function schemePrefix(text: string, at: number, escaped: boolean): string {
  for (const form of escaped ? ESCAPED_FORMS : FORMS) {
    if (at >= form.length && text.startsWith(form, at - form.length)) return form;
  }
  return '';
}

// Longest first, so `https://` wins over `//`.
const FORMS = ['https:\\/\\/', 'http:\\/\\/', 'https://', 'http://', '\\/\\/', '//'];
// The same forms once more JSON-escaped (`https:\/\/` in Flight text is `https:\\/\\/` in the
// string literal of an inline payload).
const ESCAPED_FORMS = [
  'https:\\\\/\\\\/',
  'http:\\\\/\\\\/',
  'https:\\/\\/',
  'http:\\/\\/',
  'https://',
  'http://',
  '\\\\/\\\\/',
  '\\/\\/',
  '//',
];
