/**
 * Attribute values as the browser reads them. The HTML engine hands values over raw (`&amp;`
 * stays `&amp;`), but a creative's URL is what the browser gets after character references are
 * decoded: `https&colon;//evil.example` is an absolute URL to it. Deciding "rewrite this?" on the
 * raw text would let such a value reach a third party directly, so URLs are judged decoded.
 *
 * Decoded here: numeric references, and every named reference whose expansion is ASCII (the ones
 * that can change a URL's scheme, slashes or host: `&colon;`, `&sol;`, `&Tab;`, `&period;`…),
 * plus the legacy `&amp` `&lt` `&gt` `&quot` without a semicolon. Other named references expand to
 * non-ASCII symbols that cannot form a scheme or a `//`; they are left as written.
 */

const ASCII_ENTITIES: Readonly<Record<string, string>> = {
  Tab: '\t',
  NewLine: '\n',
  excl: '!',
  quot: '"',
  QUOT: '"',
  num: '#',
  dollar: '$',
  percnt: '%',
  amp: '&',
  AMP: '&',
  apos: "'",
  lpar: '(',
  rpar: ')',
  ast: '*',
  midast: '*',
  plus: '+',
  comma: ',',
  period: '.',
  sol: '/',
  colon: ':',
  semi: ';',
  lt: '<',
  LT: '<',
  equals: '=',
  gt: '>',
  GT: '>',
  quest: '?',
  commat: '@',
  lsqb: '[',
  lbrack: '[',
  bsol: '\\',
  rsqb: ']',
  rbrack: ']',
  Hat: '^',
  lowbar: '_',
  UnderBar: '_',
  grave: '`',
  DiacriticalGrave: '`',
  fjlig: 'fj',
  lcub: '{',
  lbrace: '{',
  verbar: '|',
  vert: '|',
  VerticalLine: '|',
  rcub: '}',
  rbrace: '}',
  nbsp: '\u00a0',
};

/** Legacy names the browser decodes even without `;` (in attributes, unless `=` or alnum follows). */
const LEGACY_WITHOUT_SEMICOLON = new Set(['amp', 'AMP', 'lt', 'LT', 'gt', 'GT', 'quot', 'QUOT']);

/** Windows-1252 remapping the HTML spec applies to numeric references 0x80–0x9F. */
const C1_REMAP: Readonly<Record<number, number>> = {
  0x80: 0x20ac,
  0x82: 0x201a,
  0x83: 0x0192,
  0x84: 0x201e,
  0x85: 0x2026,
  0x86: 0x2020,
  0x87: 0x2021,
  0x88: 0x02c6,
  0x89: 0x2030,
  0x8a: 0x0160,
  0x8b: 0x2039,
  0x8c: 0x0152,
  0x8e: 0x017d,
  0x91: 0x2018,
  0x92: 0x2019,
  0x93: 0x201c,
  0x94: 0x201d,
  0x95: 0x2022,
  0x96: 0x2013,
  0x97: 0x2014,
  0x98: 0x02dc,
  0x99: 0x2122,
  0x9a: 0x0161,
  0x9b: 0x203a,
  0x9c: 0x0153,
  0x9e: 0x017e,
  0x9f: 0x0178,
};

const REFERENCE = /&(?:#[xX]([0-9a-fA-F]+);?|#([0-9]+);?|([A-Za-z][A-Za-z0-9]*)(;?))/g;

/** A raw attribute value with its character references decoded (see the module comment). */
export function decodeAttributeValue(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(
    REFERENCE,
    (
      match,
      hex: string | undefined,
      dec: string | undefined,
      name: string,
      semi: string,
      at: number,
    ) => {
      if (hex !== undefined || dec !== undefined) {
        return codePointText(hex !== undefined ? parseInt(hex, 16) : parseInt(dec as string, 10));
      }
      if (semi === ';') return ASCII_ENTITIES[name] ?? match;
      if (!LEGACY_WITHOUT_SEMICOLON.has(name)) return match;
      // In an attribute, `&amp=` and `&ampx` stay as written (HTML's legacy rule).
      const next = raw[at + match.length];
      if (next !== undefined && /[=A-Za-z0-9]/.test(next)) return match;
      return ASCII_ENTITIES[name] as string;
    },
  );
}

function codePointText(code: number): string {
  if (!Number.isFinite(code) || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
    return '\ufffd';
  return String.fromCodePoint(C1_REMAP[code] ?? code);
}

/**
 * A decoded value ready for `Element.setAttribute` (which writes raw and escapes only `"`):
 * `&` escaped so that `&not.x=1` in a signed query is not read back as `¬.x=1`.
 */
export function encodeAttributeValue(value: string): string {
  return value.replace(/&/g, '&amp;');
}
