/**
 * The request's `Cookie` header as a name → value map, with upstream's semantics (its
 * `cookies.rs`): pairs split on `;`, names and values trimmed of spaces, values kept raw (no
 * percent-decoding, no quote stripping), and the last of two same-named cookies wins. A pair with
 * no `=` or an empty name is skipped, never an error: a browser sends whatever was set.
 */

/** The header this parses. Readers ask for a handful of names, so one pass builds a map. */
export type Cookies = ReadonlyMap<string, string>;

const EMPTY: Cookies = new Map();

export function parseCookies(headers: Headers): Cookies {
  const fields = headers.get('cookie');
  if (fields === null || fields.length === 0) return EMPTY;
  const cookies = new Map<string, string>();
  for (const pair of fields.split(';')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const name = pair.slice(0, equals).trim();
    if (name.length === 0) continue;
    cookies.set(name, pair.slice(equals + 1).trim());
  }
  return cookies;
}
