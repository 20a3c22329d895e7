/**
 * A creative's URLs as signed first-party URLs, each signed once per rewrite: ad markup and
 * stylesheets repeat the same pixel or sprite many times, and a token is the rewrite's main cost.
 */
import { toAbsoluteNetworkUrl } from './creative-urls.ts';
import { FIRST_PARTY_PROXY_PATH, signUrl } from './signed-url.ts';
import type { ProxyTokenSigner } from './token.ts';

/** The signed URL of `value` under `basePath`, or undefined to leave it as written. */
export type FirstPartyUrl = (value: string, basePath?: string) => Promise<string> | undefined;

/**
 * `base()` is read on every call: a document's base can move (its first `<base href>`) while it
 * is rewritten. Values that are relative, excluded or not http(s) stay as written.
 */
export function memoisedFirstPartyUrls(
  signer: ProxyTokenSigner,
  excludeDomains: readonly string[],
  base: () => URL | undefined,
): FirstPartyUrl {
  const signed = new Map<string, Promise<string>>();
  return (value, basePath = FIRST_PARTY_PROXY_PATH) => {
    const absolute = toAbsoluteNetworkUrl(value, excludeDomains, base());
    if (absolute === undefined) return undefined;
    const key = `${basePath} ${absolute}`;
    let href = signed.get(key);
    if (href === undefined) {
      href = signUrl(signer, absolute, { basePath });
      signed.set(key, href);
    }
    return href;
  };
}
