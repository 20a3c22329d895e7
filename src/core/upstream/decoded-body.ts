/**
 * The platforms' `fetch` decode some content codings on their own, and each decodes a different
 * set (Node's undici: gzip, deflate, br, zstd, stacked; Workers: a single gzip or br). A transport
 * says which codings its platform decoded; the `Content-Encoding` and `Content-Length` that
 * described the wire are then dropped, so the headers a caller sees always describe the body it
 * reads. A coding the platform left alone keeps its header, the bytes untouched.
 */

/**
 * The codings of a `Content-Encoding` value, lower-cased, outermost last. Empty entries are kept
 * (`gzip,` is two codings, one of them unknown), as undici counts them: a platform that refuses
 * to decode such a value must not have its header dropped here.
 */
export function contentCodings(value: string): string[] {
  if (value.trim() === '') return [];
  return value
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim());
}

export function describeDecodedBody(
  response: Response,
  decoded: (codings: readonly string[]) => boolean,
): Response {
  const codings = contentCodings(response.headers.get('content-encoding') ?? '');
  if (codings.length === 0 || response.body === null || !decoded(codings)) return response;
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
