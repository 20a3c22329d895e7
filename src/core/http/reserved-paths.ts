/**
 * Trusted Server's own namespaces never reach the publisher. A request under `/_ts/admin` or
 * `/_ts/api` that no route answered — a malformed ID, a future endpoint, a feature switched off,
 * a method the endpoint does not take — is answered here: 405 (with `Allow`) when routes serve the
 * path with other methods (the route table says which: routes.ts), 404 for everything else.
 *
 * - `/_ts/admin` (upstream `ec/admin.rs`, `deny_admin_diagnostic_fallback`): such a request has
 *   passed the `^/_ts/admin` basic-auth handler, so forwarding it would hand the operator's
 *   credentials and the request body to the origin.
 * - `/_ts/api` (stricter than upstream, which forwards near misses such as
 *   `POST /_ts/api/v1/batch-sync/`): partners call it with their bearer tokens, which are for this
 *   server, not the publisher's origin.
 *
 * The check runs on the normalised path (request-target.ts refuses `%2F` and `%5C` outright) and
 * on up to four rounds of percent-decoding of it, so `/_ts%252Fadmin/ec` or
 * `/admin%25252Fkeys/rotate`, which a proxy chain might decode into the namespace, are held too;
 * an escape that is not valid is left as it is and the rest decoded (`/_ts%252Fadmin/ec%zz`), as
 * upstream's decoder does. Case is ignored, as basic-auth handlers ignore it by default:
 * `/_TS/ADMIN/…` passes `^/_ts/admin` and so must be held too.
 * The retired `/admin/keys/…` aliases are reserved the same way, but only as whole segments:
 * `/admin/keystore` is the publisher's.
 */

/**
 * `/_ts/admin…` and `/_ts/api…` on the bare prefix (as the unanchored `^/_ts/admin` handler
 * matches: `/_ts/adminfoo` too), the retired `/admin/keys` only as whole segments. Case-insensitive
 * as a regex, so the publisher's paths, which all pass through here, are not copied to lower case.
 */
const NAMESPACE = /^\/(?:_ts\/(?:admin|api)|admin\/keys(?:\/|$))/i;
const MAX_DECODE_ROUNDS = 4;

/** Whether `path` is in the reserved namespaces, as written or once decoded (see above). */
export function isReservedPath(path: string): boolean {
  return reachesNamespace(path);
}

/**
 * The answer for a reserved path no route took: 405 naming `allow` (the methods the routes for
 * this path take) when there are any, else 404. JSON, like the endpoints'.
 */
export function reservationResponse(allow: readonly string[]): Response {
  const wrongMethod = allow.length > 0;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  };
  if (wrongMethod) headers.allow = allow.join(', ');
  return new Response(
    JSON.stringify({ error: wrongMethod ? 'method not allowed' : 'route not found' }),
    { status: wrongMethod ? 405 : 404, headers },
  );
}

function reachesNamespace(path: string): boolean {
  if (inNamespace(path)) return true;
  // Ordinary paths carry no escape: no decoding, no allocation.
  let current = path;
  for (let round = 0; round < MAX_DECODE_ROUNDS && current.includes('%'); round++) {
    const decoded = decodeValidEscapes(current);
    if (decoded === current) return false;
    if (inNamespace(decoded)) return true;
    current = decoded;
  }
  return false;
}

/** Each run of escapes that is valid UTF-8 decoded; anything else (`%zz`, `%C3`) left as it is. */
function decodeValidEscapes(path: string): string {
  return path.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

function inNamespace(path: string): boolean {
  return NAMESPACE.test(path);
}
