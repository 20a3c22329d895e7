/**
 * Whether a request loads a top-level document: the only requests that may mint an Edge Cookie
 * (upstream `http_util.rs`, `is_navigation_request`). Subresources (images, fonts, scripts) can
 * arrive without the consent signals a navigation carries (`Sec-GPC` is not sent on every one),
 * so an ID minted on them could ignore a reader's choice.
 *
 * `Sec-Fetch-Dest` decides when present (page scripts cannot set it). Without it — old
 * browsers, non-browser clients — only an explicit `text/html` in `Accept` counts, never `*∕*`,
 * which fonts and images send too.
 */
export function isDocumentNavigation(headers: Headers): boolean {
  const destination = headers.get('sec-fetch-dest');
  if (destination !== null) return destination.trim().toLowerCase() === 'document';
  const accept = headers.get('accept');
  if (accept === null) return false;
  return accept
    .split(',')
    .some((part) => (part.split(';')[0] ?? '').trim().toLowerCase() === 'text/html');
}
