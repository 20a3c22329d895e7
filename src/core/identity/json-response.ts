/**
 * The JSON responses of the identity endpoints (identify, batch sync, admin). None of them may be
 * cached anywhere: each answer is about one reader or one partner's call.
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
