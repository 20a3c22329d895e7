/**
 * Hop-by-hop fields (RFC 9110 §7.6.1): meaningful for one connection only, so a proxy removes
 * them in both directions, together with every field the `Connection` header names.
 */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** Removes hop-by-hop fields from `headers` in place. */
export function removeHopByHop(headers: Headers): void {
  const named = headers.get('connection');
  if (named) {
    for (const token of named.split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '') headers.delete(name);
    }
  }
  for (const name of HOP_BY_HOP) headers.delete(name);
}
