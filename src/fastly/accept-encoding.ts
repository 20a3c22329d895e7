/**
 * Fastly Compute's JavaScript can decode and encode gzip and deflate (`DecompressionStream`,
 * `CompressionStream`) but not brotli. So brotli is taken out of the client's `Accept-Encoding`
 * before core sees the request: core then negotiates gzip with the client and asks the origin only
 * for codings this adapter can decode. Every other token and q-value is kept as sent.
 */
export function withoutBrotli(header: string | null): string | null {
  if (header === null) return null;
  const kept: string[] = [];
  let star = false;
  for (const item of header.split(',')) {
    const name = (item.split(';')[0] ?? '').trim().toLowerCase();
    if (name === '') continue;
    if (name === 'br') continue;
    if (name === '*') star = true;
    kept.push(item.trim());
  }
  // `*` would let brotli back in; an explicit refusal keeps it out.
  if (star) kept.push('br;q=0');
  return kept.length > 0 ? kept.join(', ') : 'identity';
}
