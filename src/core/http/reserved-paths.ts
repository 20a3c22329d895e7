/**
 * Trusted Server's own namespaces never reach the publisher. A request under `/_ts/admin` or
 * `/_ts/api` that no route answered — a malformed ID, a future endpoint, a feature switched off,
 * a method the endpoint does not take — is answered here: 405 (with `Allow`) for a real endpoint
 * asked with another method, 404 for everything else.
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
const EC_PATH = '/_ts/admin/ec';
const MAX_DECODE_ROUNDS = 4;

/** The endpoints in the namespaces, with the methods each answers when its feature is on. */
const ENDPOINT_METHODS: ReadonlyMap<string, string> = new Map([
  [EC_PATH, 'GET'],
  ['/_ts/admin/eids', 'GET'],
  ['/_ts/api/v1/batch-sync', 'POST'],
  ['/_ts/api/v1/identify', 'GET, OPTIONS'],
]);

/** A reserved path: an endpoint (with the methods it takes) or anything else in a namespace. */
export type Reservation = { kind: 'endpoint'; allow: string } | { kind: 'reserved' };

/** What `path` is in the reserved namespaces; undefined outside them. */
export function reservation(path: string): Reservation | undefined {
  const allow = ENDPOINT_METHODS.get(path);
  if (allow !== undefined) return { kind: 'endpoint', allow };
  if (path.startsWith(`${EC_PATH}/`)) {
    const id = path.slice(EC_PATH.length + 1);
    return id.length > 0 && !id.includes('/') ? { kind: 'endpoint', allow: 'GET' } : RESERVED;
  }
  return reachesNamespace(path) ? RESERVED : undefined;
}

const RESERVED: Reservation = { kind: 'reserved' };

/** The response for a reserved path that no route answered: JSON, like the endpoints'. */
export function reservationResponse(found: Reservation, method: string): Response {
  const wrongMethod =
    found.kind === 'endpoint' && !found.allow.split(', ').includes(method.toUpperCase());
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  };
  if (wrongMethod) headers.allow = found.allow;
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
