/**
 * Attribute values that carry a URL inside other text, for the rules that go beyond upstream's
 * list because each of them makes the reader's browser contact a third party directly:
 * `<meta http-equiv="refresh" content="0; url=…">` (navigates the creative's frame) and
 * `<a ping="…">` (a beacon per click). Each takes the rewrite of one URL (undefined keeps it).
 */

type UrlRewrite = (url: string) => Promise<string> | undefined;

/** `N; url=…` / `N, URL='…'` / `N; …` (the refresh syntax browsers accept). */
const REFRESH = /^(\s*[0-9.]*\s*[;,]?\s*(?:url\s*=\s*)?)(['"]?)(.*?)(\2\s*)$/is;

export function rewriteRefreshContent(
  content: string,
  rewrite: UrlRewrite,
): Promise<string> | undefined {
  const match = REFRESH.exec(content);
  if (!match) return undefined;
  const [, lead = '', quote = '', url = '', tail = ''] = match;
  const next = rewrite(url);
  return next?.then((href) => `${lead}${quote}${href}${tail}`);
}

/** A space-separated URL list (`ping`), each rewritten; undefined when none changes. */
export function rewriteUrlList(value: string, rewrite: UrlRewrite): Promise<string> | undefined {
  const urls = value.split(/[\t\n\f\r ]+/).filter((url) => url !== '');
  const next = urls.map((url) => rewrite(url));
  if (next.every((href) => href === undefined)) return undefined;
  return Promise.all(next.map((href, index) => href ?? Promise.resolve(urls[index] ?? ''))).then(
    (hrefs) => hrefs.join(' '),
  );
}
