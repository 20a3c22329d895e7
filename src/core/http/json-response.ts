/**
 * The JSON answers of this server's own endpoints (identify, batch sync, the admin routes,
 * verify-signature, first-party sign and proxy-rebuild). None may be cached by default: each is
 * about one reader, one partner's call or one signed URL.
 */

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    },
  });
}
