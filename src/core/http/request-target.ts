/**
 * The request path, normalised once before anything reads it. Auth handlers, routes and the origin
 * request all see this one path, so no spelling of a path can pass a handler as one resource and
 * reach the origin as another: origins (nginx, Go, WSGI, IIS, Tomcat) decode and merge paths in
 * their own ways, and every way they agree on is applied here first.
 *
 * - Percent-encoded unreserved characters are decoded (`/%73ecure` is `/secure`, RFC 3986
 *   §6.2.2.2); other escapes keep their meaning, with upper-case hex (§6.2.2.1).
 * - Dot segments are resolved (§5.2.4), repeated slashes merged (`//secure` is `/secure` to nginx's
 *   default `merge_slashes`, and `//host/x` must never read as an authority).
 * - Refused with 400: an encoded `/`, `\` or NUL (origins disagree on whether `%2F` separates
 *   segments, so no single answer is safe), and a dot segment carrying path parameters
 *   (`/..;/secure` is `/secure` to Tomcat).
 */
import { TsError } from '../errors.ts';

/** Anything that needs the slow path: an escape, a `;`, a repeated slash or a dot segment. */
const NEEDS_WORK = /%|;|\/\/|\/\.\.?(?:\/|$)/;

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Escapes that no origin reads the same way as every other: refused. */
const REFUSED: Readonly<Record<string, string>> = {
  '2F': 'an encoded "/"',
  '5C': 'an encoded "\\"',
  '00': 'an encoded NUL',
};

function refuse(what: string, offset: number): never {
  throw new TsError('bad_request', `request path has ${what} at byte ${offset}`, {
    publicMessage: `Bad request: the path has ${what}`,
  });
}

/**
 * `pathname` (as a WHATWG `URL` gives it: starts with `/`, non-ASCII already escaped) in normal
 * form. Throws a 400 `TsError` for paths that cannot be made unambiguous.
 */
export function normaliseRequestPath(pathname: string): string {
  if (!NEEDS_WORK.test(pathname)) return pathname;
  const out: string[] = [];
  const segments = pathname.split('/');
  let offset = 0;
  for (let i = 1; i < segments.length; i++) {
    offset += (segments[i - 1] as string).length + 1;
    const segment = decodeUnreserved(segments[i] as string, offset);
    const last = i === segments.length - 1;
    const semicolon = segment.indexOf(';');
    const name = semicolon === -1 ? segment : segment.slice(0, semicolon);
    if (semicolon !== -1 && (name === '.' || name === '..')) {
      refuse('a dot segment with parameters', offset);
    }
    if (segment === '.' || segment === '..') {
      if (segment === '..') out.pop();
      // `/a/.` and `/a/..` name a directory: keep the trailing slash.
      if (last) out.push('');
      continue;
    }
    // An empty segment is a repeated slash, except the last one (a trailing slash).
    if (segment === '' && !last) continue;
    out.push(segment);
  }
  return `/${out.join('/')}`;
}

function decodeUnreserved(segment: string, offset: number): string {
  if (!segment.includes('%')) return segment;
  return segment.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string, at: number) => {
    const upper = hex.toUpperCase();
    const refused = REFUSED[upper];
    if (refused !== undefined) refuse(refused, offset + at);
    const char = String.fromCharCode(parseInt(upper, 16));
    return UNRESERVED.test(char) ? char : `%${upper}`;
  });
}
