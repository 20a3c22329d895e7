/**
 * A response that sets a cookie is one reader's: a shared cache that stored it would hand that
 * reader's cookie (a session, an ID) to the next. Such responses are made `private` and lose every
 * header that speaks to edge caches, whatever the origin or the operator's `response_headers` said.
 * Applied last (finalize.ts), so nothing after it can make them public again.
 */

/** Headers that steer CDN and reverse-proxy caches rather than the browser's. */
const EDGE_CACHE_HEADERS = [
  'surrogate-control',
  'cdn-cache-control',
  'cloudflare-cdn-cache-control',
  'fastly-surrogate-control',
  'edge-control',
  'x-accel-expires',
];

/** `Cache-Control` directives that address shared caches only, or allow them to store. */
const SHARED_DIRECTIVES = new Set(['public', 's-maxage', 'proxy-revalidate', 'private']);

/** `Cache-Control` for a personalised response: `private`, plus the browser's own directives. */
export function privateCacheControl(value: string | null): string {
  const kept = (value ?? '')
    .split(',')
    .map((directive) => directive.trim())
    .filter((directive) => {
      const name = directive.split('=')[0]?.trim().toLowerCase() ?? '';
      return name !== '' && !SHARED_DIRECTIVES.has(name);
    });
  return ['private', ...kept].join(', ');
}

/** Makes `headers` private when they set a cookie; leaves them alone otherwise. */
export function applyResponsePrivacy(headers: Headers): void {
  if (!headers.has('set-cookie')) return;
  headers.set('cache-control', privateCacheControl(headers.get('cache-control')));
  for (const name of EDGE_CACHE_HEADERS) headers.delete(name);
}
