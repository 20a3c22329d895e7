/**
 * URLs in CSS text (`<style>`, `style="…"`, `text/css` responses): `url(…)`, `@import "…"` and
 * the bare strings of `image-set(…)`, each handed to a rewrite callback and written back with the
 * quote it had. A value the callback leaves alone keeps its bytes exactly (whitespace, quotes,
 * escapes), so relative URLs survive byte for byte.
 *
 * Better than upstream's scan (find `url(`, take everything up to the next `)`), where it costs
 * nothing: a quoted value runs to its closing quote, so `url("a).png")` is one URL; backslash
 * escapes are honoured and decoded before the URL is judged (`url(\2f\2f evil.example/x)` is
 * `//evil.example/x` to the browser, and must be proxied like it); `@import "…"` without `url()`
 * and `image-set("…" 1x)` strings are rewritten too (upstream let both reach third parties).
 * A name spelt with escapes (`\75 rl(`, `u\rl(`, `@\69mport`) is the same name to the browser:
 * it is written back decoded before the scan, so its URL is found and rewritten like any other.
 * Still not a CSS parser: comments are not skipped (rewriting inside one is harmless).
 */

export type CssUrlRewrite = (url: string) => Promise<string | undefined>;

interface Found {
  /** Where the replaced part starts and ends (the value with its quotes, or the whole `url(…)`). */
  start: number;
  end: number;
  /** The URL, CSS escapes decoded. */
  url: string;
  /** The quote to write back, or '' for an unquoted `url(…)`. */
  quote: string;
  /** For an unquoted `url(`: the text that goes back in front of the rewritten value. */
  prefix: string;
  suffix: string;
}

const TRIGGER = /url\(|@import|(?:-webkit-)?image-set\(/gi;
const NAME_CHAR = /[A-Za-z0-9_-]/;

/**
 * Rewrites every URL in `css` through `rewrite` (undefined keeps it). The URLs are rewritten one
 * after another and the output is checked as it grows: past `limit.maxLength` characters,
 * `limit.tooLong` is thrown before another URL is rewritten, so a stylesheet packed with short
 * URLs cannot make many times its size in memory (or in signatures).
 */
export async function rewriteCssUrls(
  original: string,
  rewrite: CssUrlRewrite,
  limit?: { maxLength: number; tooLong: (length: number) => Error },
): Promise<string> {
  if (!mayHoldCssUrls(original)) return original;
  const css = decodeEscapedNames(original);
  const found = findCssUrls(css);
  if (found.length === 0) return css;
  let out = '';
  let at = 0;
  for (const item of found) {
    const next = await rewrite(item.url);
    if (next === undefined) continue;
    out += css.slice(at, item.start) + item.prefix + item.quote + next + item.quote + item.suffix;
    at = item.end;
    if (limit !== undefined && out.length > limit.maxLength) throw limit.tooLong(out.length);
  }
  return at === 0 ? css : out + css.slice(at);
}

/** Whether `css` may name a URL: a trigger, or an escape that might spell one. */
export function mayHoldCssUrls(css: string): boolean {
  return css.includes('\\') || /url\(|@import|image-set\(/i.test(css);
}

/** A name (or at-keyword) in which at least one character may be escaped. */
const NAME = /@?(?:[A-Za-z0-9_-]|\\(?:[0-9a-fA-F]{1,6}[ \t\n\f]?|[^\n\r\f0-9a-fA-F]))+/g;
const TRIGGER_NAMES: ReadonlySet<string> = new Set([
  'url',
  '@import',
  'image-set',
  '-webkit-image-set',
]);

/**
 * The trigger names spelt with escapes written back plainly. The same value either way, in a name
 * or in a string, so nothing else changes; the scan then finds them.
 */
export function decodeEscapedNames(css: string): string {
  if (!css.includes('\\')) return css;
  return css.replace(NAME, (name) => {
    if (!name.includes('\\')) return name;
    const plain = unescapeCss(name).toLowerCase();
    // An escaped `@` (`\40 import`) makes a name, not an at-rule: left as it is.
    if (plain.startsWith('@') && !name.startsWith('@')) return name;
    return TRIGGER_NAMES.has(plain) ? plain : name;
  });
}

/** Every URL in the text, in order, without overlaps. */
export function findCssUrls(css: string): Found[] {
  const found: Found[] = [];
  TRIGGER.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = TRIGGER.exec(css)) !== null) {
    const at = match.index;
    const word = match[0].toLowerCase();
    if (word !== '@import' && at > 0 && NAME_CHAR.test(css[at - 1] as string)) continue;
    const after = at + word.length;
    let end: number;
    if (word === 'url(') end = urlFunction(css, at, after, found);
    else if (word === '@import') end = importString(css, after, found);
    else end = imageSet(css, after, found);
    TRIGGER.lastIndex = Math.max(end, after);
  }
  return found;
}

/** `url(` at `at`: a quoted string, or an unquoted value up to an unescaped `)`. */
function urlFunction(css: string, at: number, open: number, found: Found[]): number {
  let i = skipSpace(css, open);
  const first = css[i];
  if (first === '"' || first === "'") {
    return quotedUrl(css, i, found);
  }
  let j = i;
  while (j < css.length && css[j] !== ')') j += css[j] === '\\' ? 2 : 1;
  if (j >= css.length) return css.length; // unterminated: the browser drops it too
  // Unquoted: the whole `url(…)` is replaced, so inner whitespace goes (as upstream).
  found.push({
    start: at,
    end: j + 1,
    url: unescapeCss(css.slice(i, j).trim()),
    quote: '',
    prefix: css.slice(at, open),
    suffix: ')',
  });
  i = j + 1;
  return i;
}

/** `@import "…"` (the `url(…)` form is found by its own trigger). */
function importString(css: string, after: number, found: Found[]): number {
  const i = skipSpace(css, after);
  const quote = css[i];
  if (quote !== '"' && quote !== "'") return after;
  return quotedUrl(css, i, found);
}

/** `image-set(` strings up to its closing `)`; `url(…)` inside is left to its own trigger. */
function imageSet(css: string, after: number, found: Found[]): number {
  let i = after;
  while (i < css.length && css[i] !== ')') {
    const c = css[i];
    if (c === '"' || c === "'") {
      i = quotedUrl(css, i, found);
    } else if (/url\(/iy.test(css.slice(i, i + 4))) {
      return i; // let the url( trigger take it
    } else i += c === '\\' ? 2 : 1;
  }
  return i;
}

/**
 * The string opening at `open` (a quote) as one found URL, written back in the same quotes; the
 * index after it, or the end of `css` when the string never closes (the browser drops it too).
 */
function quotedUrl(css: string, open: number, found: Found[]): number {
  const close = stringEnd(css, open);
  if (close === -1) return css.length;
  found.push({
    start: open,
    end: close + 1,
    url: unescapeCss(css.slice(open + 1, close)),
    quote: css[open] ?? '',
    prefix: '',
    suffix: '',
  });
  return close + 1;
}

function skipSpace(css: string, i: number): number {
  while (i < css.length && /\s/.test(css[i] as string)) i++;
  return i;
}

/** Index of the quote closing the string that opens at `open`, or -1. */
function stringEnd(css: string, open: number): number {
  const quote = css[open];
  for (let i = open + 1; i < css.length; i++) {
    const c = css[i];
    if (c === '\\') i++;
    else if (c === quote) return i;
    else if (c === '\n') return -1; // a newline ends a CSS string as bad: nothing to fetch
  }
  return -1;
}

/** CSS escapes: `\` + 1–6 hex digits (+ one optional space), `\` + newline (nothing), `\x` → x. */
export function unescapeCss(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(
    /\\(?:([0-9a-fA-F]{1,6})[ \t\n\f]?|(\r\n|[\n\r\f])|([\s\S]))/g,
    (_, hex, nl, ch) => {
      if (hex !== undefined) {
        const code = parseInt(hex as string, 16);
        return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)
          ? '\ufffd'
          : String.fromCodePoint(code);
      }
      if (nl !== undefined) return '';
      return ch as string;
    },
  );
}
