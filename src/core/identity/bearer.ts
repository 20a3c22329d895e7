/** The partner API's credential: `Authorization: Bearer <token>` (upstream `ec/auth.rs`). */

/**
 * The token of an `Authorization: Bearer <token>` header: the scheme in any case, exactly one
 * token after it. Undefined for anything else (no header, another scheme, a second word).
 */
export function bearerToken(headers: Headers): string | undefined {
  const value = headers.get('authorization');
  if (value === null) return undefined;
  const parts = value.trim().split(/[ \t]+/);
  if (parts.length !== 2) return undefined;
  const [scheme, token] = parts as [string, string];
  return scheme.toLowerCase() === 'bearer' && token !== '' ? token : undefined;
}
