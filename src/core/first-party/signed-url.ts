/**
 * Signed first-party URLs, in upstream's exact shape so URLs either side wrote verify on the other:
 *
 *     /first-party/proxy?tsurl=<target without query>&<target's params, in order>[&tsexp=…]&tstoken=…
 *
 * The token covers `full` = `tsurl` alone, or `tsurl?<params form-encoded>` (tsexp included). On
 * the way back, `tsurl` and `tstoken` may sit anywhere in the query (upstream picks them out by
 * name), but every other parameter is signed in order: reordering, adding or dropping one changes
 * `full`, and the token no longer matches.
 */
import type { ProxyTokenSigner } from './token.ts';

export const FIRST_PARTY_PROXY_PATH = '/first-party/proxy';
export const FIRST_PARTY_CLICK_PATH = '/first-party/click';

/**
 * The headers of the sign and proxy-rebuild answers: upstream's content type, and never kept by a
 * cache (a signed URL is minted for one creative, and sign's expire in seconds).
 */
export const SIGNED_URL_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store, private',
} as const;

/** A name/value query parameter, decoded. */
export type QueryPair = readonly [name: string, value: string];

export interface SignOptions {
  /** What precedes `?`: a path, or an origin and a path. Default {@link FIRST_PARTY_PROXY_PATH}. */
  basePath?: string;
  /** Appended after the target's own parameters and covered by the token. */
  extras?: readonly QueryPair[];
  /** Unix seconds after which the URL is refused; appended last as `tsexp` (upstream's sign route). */
  expiresAt?: number;
}

export interface SignedTarget {
  /** The signed first-party URL. */
  href: string;
  /** The target without query or fragment, as the WHATWG parser serialises it. */
  tsurl: string;
}

/**
 * Signs an absolute URL, or answers undefined when it does not parse. The fragment is dropped (a
 * server never sees one); the target's parameters are kept decoded, in order, duplicates included.
 */
export async function signTarget(
  signer: ProxyTokenSigner,
  clearUrl: string,
  options: SignOptions = {},
): Promise<SignedTarget | undefined> {
  let url: URL;
  try {
    url = new URL(clearUrl);
  } catch {
    return undefined;
  }
  const pairs: QueryPair[] = [...url.searchParams];
  pairs.push(...(options.extras ?? []));
  if (options.expiresAt !== undefined) pairs.push(['tsexp', String(options.expiresAt)]);
  url.search = '';
  url.hash = '';
  const tsurl = url.href;
  return { href: await signParts(signer, tsurl, pairs, options.basePath), tsurl };
}

/**
 * Upstream's `build_signed_url_for`: the signed URL, or the clear URL unchanged when it cannot be
 * parsed (a creative keeps its odd URL rather than losing it).
 */
export async function signUrl(
  signer: ProxyTokenSigner,
  clearUrl: string,
  options: SignOptions = {},
): Promise<string> {
  return (await signTarget(signer, clearUrl, options))?.href ?? clearUrl;
}

/**
 * Signs a `tsurl` and its parameters as given (proxy-rebuild re-signs an edited parameter list).
 * `tsurl` is used verbatim: pass one serialised by the URL parser, or the token will not match
 * what a verifier reconstructs.
 */
export async function signParts(
  signer: ProxyTokenSigner,
  tsurl: string,
  pairs: readonly QueryPair[],
  basePath: string = FIRST_PARTY_PROXY_PATH,
): Promise<string> {
  const token = await signer.token(fullUrl(tsurl, pairs));
  return `${basePath}?${formEncode([['tsurl', tsurl], ...pairs, ['tstoken', token]])}`;
}

/** The string the token covers. */
export function fullUrl(tsurl: string, pairs: readonly QueryPair[]): string {
  return pairs.length === 0 ? tsurl : `${tsurl}?${formEncode(pairs)}`;
}

/**
 * application/x-www-form-urlencoded, which URLSearchParams writes byte for byte as Rust's
 * `form_urlencoded::Serializer` does (space as `+`; only `*-._` and alphanumerics left bare).
 */
function formEncode(pairs: readonly QueryPair[]): string {
  const params = new URLSearchParams();
  for (const [name, value] of pairs) params.append(name, value);
  return params.toString();
}
