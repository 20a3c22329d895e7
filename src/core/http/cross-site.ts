/**
 * CSRF on the admin routes that change state: a browser attaches an administrator's remembered
 * Basic credentials to a cross-site form POST, so such a request must be refused before any
 * handler sees it. curl and scripts send neither `Origin` nor `Sec-Fetch-Site`; they pass.
 */
import { TsError } from '../errors.ts';

/** Methods that change nothing, which the check leaves alone. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a state-changing admin request that may come from another site's page is refused, or
 * undefined: 415 unless the body is `application/json` (a cross-site page can send that only
 * after a CORS preflight, which nothing here approves), 403 when `Sec-Fetch-Site` is `cross-site`
 * or `same-site`, or an `Origin` names another host.
 */
export function crossSiteRefusal(request: Request): TsError | undefined {
  if (SAFE_METHODS.has(request.method)) return undefined;
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    return refusal('unsupported_media_type', 'Content-Type must be application/json');
  const site = request.headers.get('sec-fetch-site')?.trim().toLowerCase();
  if (site === 'cross-site' || site === 'same-site') {
    return refusal('forbidden', `cross-site request refused (Sec-Fetch-Site: ${site})`);
  }
  const origin = request.headers.get('origin');
  if (origin !== null && originHost(origin) !== new URL(request.url).host) {
    return refusal('forbidden', 'cross-origin request refused (Origin is not this server)');
  }
  return undefined;
}

function refusal(code: 'forbidden' | 'unsupported_media_type', message: string): TsError {
  return new TsError(code, message, { publicMessage: message });
}

/**
 * The host of an `Origin` header (`null` and malformed ones: undefined). Hosts, not origins, are
 * compared: behind a load balancer that terminates TLS the request reaches this server as http
 * while the browser's Origin says https, and a scheme alone gives a foreign page nothing.
 */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
