/**
 * `GET|OPTIONS /_ts/api/v1/identify` (upstream `ec/identify.rs`): a partner's script on the
 * publisher's page asks, with its own Bearer token, for the reader's Edge Cookie ID and the one UID
 * it synced for that reader — never another partner's.
 *
 * Browsers call it cross-origin from the publisher's own pages, so CORS is granted only to an
 * `https` origin on the publisher's domain or a subdomain of it. A request with no `Origin` (a
 * server, or a same-origin call) is served without CORS headers. The route only reads: it never
 * mints an ID (the app runs it with identity role `read`).
 */
import { allowsEcCreation } from '../consent/decisions.ts';
import { toTsError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { bearerToken } from './bearer.ts';
import type { EcState } from './ec-lifecycle.ts';
import { ecLogId } from './ec-id.ts';
import { isTombstone } from './graph-entry.ts';
import type { IdentityGraph } from './identity-graph.ts';
import { jsonResponse } from '../http/json-response.ts';
import type { PartnerRegistry } from './partners.ts';

export const IDENTIFY_PATH = '/_ts/api/v1/identify';

export type OriginDecision =
  { kind: 'no-origin' } | { kind: 'allowed'; origin: string } | { kind: 'denied' };

/** Every identify answer depends on who asks and for which reader: nothing may be cached. */
const NO_STORE = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  vary: 'Origin, Authorization',
};

function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET, OPTIONS',
    'access-control-allow-headers': 'Authorization',
    'access-control-max-age': '600',
  };
}

/**
 * Whether a browser origin may read identify's answers: `https`, on `publisherDomain` or below it.
 * A host with upper-case letters is refused rather than lower-cased: browsers always send the
 * serialised (lower-case) origin, so such a value is hand-made, and reflecting it would name an
 * origin no browser matches.
 */
export function classifyIdentifyOrigin(
  origin: string | null,
  publisherDomain: string,
): OriginDecision {
  if (origin === null) return { kind: 'no-origin' };
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return { kind: 'denied' };
  }
  if (url.protocol !== 'https:' || hasUpperCaseHost(origin)) return { kind: 'denied' };
  const publisher = publisherDomain.replace(/\.$/, '').toLowerCase();
  const host = url.hostname.replace(/\.$/, '');
  if (host !== publisher && !host.endsWith(`.${publisher}`)) return { kind: 'denied' };
  return { kind: 'allowed', origin: url.origin };
}

/** The host as written in the header (the URL parser lower-cases it before we could look). */
function hasUpperCaseHost(origin: string): boolean {
  const authority = origin.replace(/^https:\/\//i, '').split(/[/?#]/, 1)[0] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const host = hostPort.startsWith('[') ? hostPort : (hostPort.split(':', 1)[0] ?? '');
  return /[A-Z]/.test(host);
}

export interface IdentifyBody {
  ec: string;
  consent: 'ok';
  /** The identity graph could not be read: the ID is real, the partner's UID unknown. */
  degraded: boolean;
  source_domain: string;
  uid?: string;
  eid?: { source: string; uids: [{ id: string; atype: number }] };
  cluster_size?: number;
}

export interface IdentifyDependencies {
  publisherDomain: string;
  /** Undefined when no store holds the graph: every answer is then `degraded`. */
  graph: IdentityGraph | undefined;
  partners: Promise<PartnerRegistry>;
  log: Logger;
}

export interface IdentifyHandlers {
  get(request: Request, state: EcState): Promise<Response>;
  /** The CORS preflight: no token is asked (browsers send none on a preflight). */
  preflight(request: Request): Response;
}

export function createIdentifyHandlers(deps: IdentifyDependencies): IdentifyHandlers {
  const { graph, log } = deps;

  const answer = (status: number, body: unknown, cors: OriginDecision): Response => {
    const extra = cors.kind === 'allowed' ? corsHeaders(cors.origin) : {};
    return body === undefined
      ? new Response(null, { status, headers: { ...NO_STORE, ...extra } })
      : jsonResponse(status, body, { ...NO_STORE, ...extra });
  };

  /** The partner's UID and the cluster size, or `degraded` when the store failed us. */
  const lookup = async (
    id: string,
    sourceDomain: string,
  ): Promise<{ degraded: boolean; uid?: string; clusterSize?: number }> => {
    if (graph === undefined) return { degraded: true };
    let stored;
    try {
      stored = await graph.get(id);
    } catch (thrown) {
      const error = toTsError(thrown);
      log.warn('identify: identity graph not readable', { ec: ecLogId(id), code: error.code });
      return { degraded: true };
    }
    // A tombstone keeps the withdrawal for a day: it yields no UID, and no cluster write-back,
    // which would give it a live entry's year.
    if (stored === null || isTombstone(stored.entry)) return { degraded: false };
    const uid = Object.hasOwn(stored.entry.ids, sourceDomain)
      ? stored.entry.ids[sourceDomain]?.uid
      : undefined;
    let clusterSize: number | undefined;
    try {
      clusterSize = (await graph.evaluateCluster(id, stored)) ?? undefined;
    } catch (thrown) {
      const error = toTsError(thrown);
      log.warn('identify: cluster size not evaluated', { ec: ecLogId(id), code: error.code });
    }
    return {
      degraded: false,
      ...(uid === undefined || uid === '' ? {} : { uid }),
      ...(clusterSize === undefined ? {} : { clusterSize }),
    };
  };

  return {
    async get(request, state) {
      const cors = classifyIdentifyOrigin(request.headers.get('origin'), deps.publisherDomain);
      // A foreign page learns nothing, not even whether its token is valid.
      if (cors.kind === 'denied') return answer(403, { error: 'origin_not_allowed' }, cors);
      const token = bearerToken(request.headers);
      const partner = token === undefined ? undefined : await (await deps.partners).byToken(token);
      if (partner === undefined) return answer(401, { error: 'invalid_token' }, cors);
      if (!allowsEcCreation(state.consent)) return answer(403, { consent: 'denied' }, cors);
      const id = state.id;
      if (id === undefined) return answer(204, undefined, cors);
      const found = await lookup(id, partner.source_domain);
      const body: IdentifyBody = {
        ec: id,
        consent: 'ok',
        degraded: found.degraded,
        source_domain: partner.source_domain,
      };
      if (found.uid !== undefined) {
        body.uid = found.uid;
        body.eid = {
          source: partner.source_domain,
          uids: [{ id: found.uid, atype: partner.openrtb_atype }],
        };
      }
      if (found.clusterSize !== undefined) body.cluster_size = found.clusterSize;
      return answer(200, body, cors);
    },

    preflight(request) {
      const cors = classifyIdentifyOrigin(request.headers.get('origin'), deps.publisherDomain);
      if (cors.kind === 'denied') return answer(403, { error: 'origin_not_allowed' }, cors);
      return answer(200, undefined, cors);
    },
  };
}
