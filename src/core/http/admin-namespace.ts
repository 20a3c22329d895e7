/**
 * The admin namespace never reaches the publisher (upstream `ec/admin.rs`,
 * `deny_admin_diagnostic_fallback`). A request under `/_ts/admin` that no route answered — a
 * malformed ID, a future endpoint, a method the endpoint does not take — has passed the
 * `^/_ts/admin` basic-auth handler, so forwarding it would hand the operator's credentials and
 * the request body to the origin. It is answered here: 405 for a real diagnostic resource asked
 * with another method, 404 for everything else.
 *
 * The check runs on the normalised path (request-target.ts refuses `%2F` and `%5C` outright) and
 * on up to four rounds of percent-decoding of it, so `/_ts%252Fadmin/ec` or
 * `/admin%25252Fkeys/rotate`, which a proxy chain might decode into the namespace, are held too.
 * The retired `/admin/keys/…` aliases are reserved the same way, but only as whole segments:
 * `/admin/keystore` is the publisher's.
 */

const ADMIN_PREFIX = '/_ts/admin';
const RETIRED_KEYS = '/admin/keys';
const EC_PATH = '/_ts/admin/ec';
const EIDS_PATH = '/_ts/admin/eids';
const MAX_DECODE_ROUNDS = 4;

export type AdminReservation = 'resource' | 'reserved';

/**
 * `resource` when `path` names a diagnostic endpoint (`/_ts/admin/ec`, `/_ts/admin/ec/{id}`,
 * `/_ts/admin/eids`), `reserved` for any other path in the namespace, `undefined` outside it.
 */
export function adminReservation(path: string): AdminReservation | undefined {
  if (path === EC_PATH || path === EIDS_PATH) return 'resource';
  if (path.startsWith(`${EC_PATH}/`)) {
    const id = path.slice(EC_PATH.length + 1);
    return id.length > 0 && !id.includes('/') ? 'resource' : 'reserved';
  }
  return reachesNamespace(path) ? 'reserved' : undefined;
}

/** The response for a reserved path that reached the fallback: JSON, like the endpoints'. */
export function adminReservationResponse(reservation: AdminReservation, method: string): Response {
  const wrongMethod = reservation === 'resource' && method !== 'GET';
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  };
  if (wrongMethod) headers.allow = 'GET';
  return new Response(
    JSON.stringify({ error: wrongMethod ? 'method not allowed' : 'admin route not found' }),
    { status: wrongMethod ? 405 : 404, headers },
  );
}

function reachesNamespace(path: string): boolean {
  if (inNamespace(path)) return true;
  // Ordinary paths carry no escape: no decoding, no allocation.
  let current = path;
  for (let round = 0; round < MAX_DECODE_ROUNDS && current.includes('%'); round++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return false; // Not a valid escape sequence: nothing any hop could decode either.
    }
    if (decoded === current) return false;
    if (inNamespace(decoded)) return true;
    current = decoded;
  }
  return false;
}

function inNamespace(path: string): boolean {
  // The bare prefix, as the unanchored `^/_ts/admin` handler matches (`/_ts/adminfoo` included).
  return (
    path.startsWith(ADMIN_PREFIX) || path === RETIRED_KEYS || path.startsWith(`${RETIRED_KEYS}/`)
  );
}
