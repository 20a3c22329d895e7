/**
 * The Edge Cookie's life on one request (upstream `ec/mod.rs` `EcContext` and `ec/finalize.rs`),
 * in three steps that the app runs around the route:
 *
 * 1. `read`, before routing, on every request but the admin diagnostics and batch sync: the
 *    `ts-ec` cookie and the consent signals the request itself carries.
 * 2. `mint`, on organic routes (the publisher's pages): for a document navigation by a client
 *    the bot gate lets through, with no valid ID and consent to create one, an ID is minted and
 *    its graph entry created. It runs while the route fetches the page; finalisation waits for
 *    it, so the origin is never kept waiting for the store.
 * 3. `finalize`, on the route's response: without consent, the identity headers are stripped and
 *    an explicit withdrawal expires the cookie and tombstones the graph entries in the same
 *    response; with consent, a returning reader's EID cookies go into the graph after the
 *    response, and a newly minted ID is set as a cookie — only if its graph entry was written
 *    ("no phantom IDs": a cookie whose entry failed would name nobody).
 */
import { allowsEcCreation, hasExplicitEcWithdrawal } from '../consent/decisions.ts';
import { buildConsentContext } from '../consent/pipeline.ts';
import { readConsentSignals } from '../consent/signals.ts';
import { consentLogFields } from '../consent/status.ts';
import type { ConsentContext } from '../consent/types.ts';
import { toTsError } from '../errors.ts';
import { parseCookies, type Cookies } from '../http/cookies.ts';
import { editHeaders } from '../http/edit-headers.ts';
import type { RequestContext } from '../http/request-context.ts';
import type { GeoInfo, PlatformServices } from '../services.ts';
import type { Settings } from '../settings/settings-schema.ts';
import { passesBotGate, resolveBotGate, type BotGate } from './bot-gate.ts';
import { deviceRecord } from './device-record.ts';
import { ecExpireCookie, ecSetCookie, readEcCookie } from './ec-cookie.ts';
import { createEcMinter, ecLogId, isValidEcId } from './ec-id.ts';
import { EIDS_COOKIE, partnerIdsFromCookies, SHAREDID_COOKIE } from './eid-cookies.ts';
import type { GraphGeo } from './graph-entry.ts';
import { createIdentityGraph, type IdentityGraph } from './identity-graph.ts';
import { isDocumentNavigation } from './navigation.ts';
import type { PartnerRegistry } from './partners.ts';

/** Response headers that carry identity; never sent without consent (upstream's list). */
const IDENTITY_HEADERS = ['x-ts-ec', 'x-ts-eids', 'x-ts-ec-consent', 'x-ts-eids-truncated'];

export interface EcState {
  readonly cookies: Cookies;
  /** The `ts-ec` cookie as sent (only if made of cookie-safe characters), for withdrawal. */
  readonly cookieValue: string | undefined;
  readonly consent: ConsentContext;
  /** The valid ID this request carries or was given: the cookie's, or one minted now. */
  id: string | undefined;
  /** Minted on this request (and its graph entry written). */
  minted: boolean;
  /** The mint in flight, started by {@link EcLifecycle.mint}; finalisation waits for it. */
  minting: Promise<void> | undefined;
  /** Whether `mint` ran for this request: organic routes also get pull sync. */
  organic: boolean;
}

export interface EcLifecycle {
  /** The identity graph, when `[ec] ec_store` is set and the platform has a store. */
  readonly graph: IdentityGraph | undefined;
  /** The `[[ec.partners]]`, indexed once (their tokens are hashed: hence the promise). */
  readonly partners: Promise<PartnerRegistry>;
  read(request: Request, ctx: RequestContext): EcState;
  /** Starts minting where the rules allow it; returns at once. */
  mint(state: EcState, request: Request, ctx: RequestContext): void;
  /** Never rejects: a store failure is logged and the response goes out without its effect. */
  finalize(
    state: EcState,
    request: Request,
    ctx: RequestContext,
    response: Response,
  ): Promise<Response>;
}

/** Work after a response that carries a valid, consented ID on an organic route (pull sync). */
export type AfterOrganicResponse = (state: EcState, request: Request) => Promise<void>;

export interface EcLifecycleOptions {
  /** Builds the after-response work once the graph exists; none without a graph. */
  afterOrganicResponse?: (graph: IdentityGraph) => AfterOrganicResponse | undefined;
}

export function createEcLifecycle(
  settings: Settings,
  services: PlatformServices,
  partners: Promise<PartnerRegistry>,
  options: EcLifecycleOptions = {},
): EcLifecycle {
  const log = services.log;
  const gate: BotGate = resolveBotGate(settings.ec.bot_gate, services.ja4Support);
  const domain = settings.publisher.domain;
  const minter = createEcMinter(settings.ec.passphrase.reveal());
  const graph =
    settings.ec.ec_store !== undefined && services.kv !== undefined
      ? createIdentityGraph(services.kv, { now: () => services.now(), log })
      : undefined;
  const afterOrganicResponse =
    graph === undefined ? undefined : options.afterOrganicResponse?.(graph);
  if (settings.ec.ec_store !== undefined && services.kv === undefined) {
    log.warn('no store is available for the identity graph: no Edge Cookie will be issued', {
      key: 'ec.ec_store',
    });
  }
  const partnerHeaders = settings.ec.partners.map((partner) => `x-ts-${partner.source_domain}`);

  let geoWarned = false;
  const read = (_request: Request, ctx: RequestContext): EcState => {
    if (ctx.geo === null && graph !== undefined && !geoWarned) {
      // Once per process: every request without geo is the same configuration problem.
      geoWarned = true;
      log.warn(
        'no geo for this request: jurisdiction unknown, so no Edge Cookie is issued (on Node, set [geo])',
        { key: 'geo.mode' },
      );
    }
    const cookies = parseCookies(ctx.headers);
    const cookie = readEcCookie(cookies);
    const consent = buildConsentContext(
      readConsentSignals(cookies, ctx.headers),
      ctx.geo,
      settings.consent,
      services.now(),
    );
    return {
      cookies,
      cookieValue: cookie.raw,
      consent,
      id: cookie.active,
      minted: false,
      minting: undefined,
      organic: false,
    };
  };

  const browser = (request: Request, ctx: RequestContext): boolean =>
    passesBotGate(gate, services.deviceSignals(request), ctx.headers);

  const mint = (state: EcState, request: Request, ctx: RequestContext): void => {
    state.organic = true;
    if (graph === undefined || state.id !== undefined) return;
    if (!isDocumentNavigation(ctx.headers) || !allowsEcCreation(state.consent)) return;
    const signals = services.deviceSignals(request);
    if (!passesBotGate(gate, signals, ctx.headers)) return;
    state.minting = (async () => {
      const id = await minter.mint(ctx.clientIp);
      await graph.createOrRevive(id, {
        geo: graphGeo(ctx.geo),
        device: await deviceRecord(signals),
        publisherDomain: domain,
      });
      state.id = id;
      state.minted = true;
      log.info('edge cookie minted', { ec: ecLogId(id), ...consentLogFields(state.consent) });
    })().catch((thrown: unknown) => {
      const error = toTsError(thrown);
      // The page is served without an ID: nothing was promised to the reader yet.
      log.warn('edge cookie not issued', { code: error.code, error: error.message });
    });
  };

  const finalize = async (
    state: EcState,
    request: Request,
    ctx: RequestContext,
    response: Response,
  ): Promise<Response> => {
    if (state.minting !== undefined) await state.minting;
    if (!allowsEcCreation(state.consent)) {
      const withdrawn = hasExplicitEcWithdrawal(state.consent) && state.cookieValue !== undefined;
      const target = editHeaders(response, (headers) => {
        for (const name of IDENTITY_HEADERS) headers.delete(name);
        for (const name of partnerHeaders) headers.delete(name);
        if (withdrawn) headers.append('set-cookie', ecExpireCookie(domain));
      });
      // Tombstones land before the response leaves: once the reader sees the cookie go, no
      // partner can read the ID from the graph any more.
      if (withdrawn) await tombstone(state);
      return target;
    }
    const id = state.id;
    if (id === undefined) return response;
    const cookie = state.minted ? ecSetCookie(id, domain) : null;
    const target =
      cookie === null
        ? response
        : editHeaders(response, (headers) => headers.append('set-cookie', cookie));
    // The graph is written for readers the bot gate lets through (a new ID passed it already).
    const hasEidCookies = state.cookies.has(EIDS_COOKIE) || state.cookies.has(SHAREDID_COOKIE);
    if (graph !== undefined && hasEidCookies && (state.minted || browser(request, ctx))) {
      services.waitUntil(request, ingestEidCookies(graph, id, state.cookies));
    }
    if (state.organic && afterOrganicResponse !== undefined) {
      // Started on the next tick: the response is handed back first.
      services.waitUntil(
        request,
        Promise.resolve().then(() => afterOrganicResponse(state, request)),
      );
    }
    return target;
  };

  /** The reader's `ts-eids` and `sharedId` cookies, for the partners they name. After the response. */
  const ingestEidCookies = async (
    identityGraph: IdentityGraph,
    id: string,
    cookies: Cookies,
  ): Promise<void> => {
    const eids = partnerIdsFromCookies(
      { eids: cookies.get(EIDS_COOKIE), sharedId: cookies.get(SHAREDID_COOKIE) },
      await partners,
    );
    if (eids.length > 0) await identityGraph.upsertPartnerIds(id, eids);
  };

  /** Withdrawal: the cookie's ID and the active one, each once, written before the response. */
  const tombstone = async (state: EcState): Promise<void> => {
    if (graph === undefined) return;
    const ids = new Set<string>();
    if (state.cookieValue !== undefined && isValidEcId(state.cookieValue)) {
      ids.add(state.cookieValue);
    }
    if (state.id !== undefined) ids.add(state.id);
    await Promise.all(
      [...ids].map((id) =>
        graph.writeWithdrawalTombstone(id).catch((thrown: unknown) => {
          const error = toTsError(thrown);
          log.error('withdrawal tombstone not written', {
            ec: ecLogId(id),
            code: error.code,
            error: error.message,
          });
        }),
      ),
    );
  };

  return { graph, partners, read, mint, finalize };
}

/** Where the reader is, as the graph records it: country (`ZZ` unknown), region, network. */
function graphGeo(geo: GeoInfo | null): GraphGeo {
  return {
    country: geo?.country ?? 'ZZ',
    ...(geo?.region === undefined ? {} : { region: geo.region }),
    ...(geo?.asn === undefined ? {} : { asn: geo.asn }),
    ...(geo?.metroCode === undefined || geo.metroCode <= 0 ? {} : { dma: geo.metroCode }),
  };
}
