/**
 * Pull sync (upstream `ec/pull_sync.rs`): after a consenting reader's page view, this server asks
 * partners that opted in (`pull_sync_enabled`) for their UID of that reader —
 * `GET <pull_sync_url>?ec_id=<ID>` with `Authorization: Bearer <ts_pull_token>` — and stores a
 * `{"uid": "…"}` answer in the reader's graph entry. Only partners with no UID there yet are asked:
 * a stored UID is never refreshed (the entry keeps no sync times).
 *
 * It runs after the response (the lifecycle's `afterOrganicResponse`), so nothing here may throw
 * or hold the reader: every failure is logged — naming the partner, never the ID or the token —
 * and the partner is skipped.
 *
 * The partners are taken in source-domain order, rotated by the hour, so that with more partners
 * than `pull_sync_concurrency` each gets its turn first. Each partner's calls are budgeted per
 * household (`pull:<partner>:<ID hash>`): the IDs behind one address cannot multiply its calls.
 */
import { allowsEcCreation } from '../consent/decisions.ts';
import { toTsError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { PlatformServices } from '../services.ts';
import type { Settings } from '../settings/settings-schema.ts';
import type { RateLimiter } from '../store/rate-limiter.ts';
import type { AfterOrganicResponse } from './ec-lifecycle.ts';
import { ecHash, ecLogId, isValidEcId } from './ec-id.ts';
import { isStorableUid } from './eid-cookies.ts';
import { isTombstone } from './graph-entry.ts';
import type { IdentityGraph } from './identity-graph.ts';
import type { Partner, PartnerRegistry } from './partners.ts';

/** A pull is background work: generous, but bounded (upstream's first byte alone may take 15 s). */
export const PULL_TIMEOUT_MS = 5000;
/** The expected answer is `{"uid":"…"}`; 64 KiB is far more than any partner needs (upstream). */
export const MAX_PULL_RESPONSE_BYTES = 64 * 1024;
const HOUR_MS = 3600_000;

export interface PullSyncDependencies {
  graph: IdentityGraph;
  partners: Promise<PartnerRegistry>;
  settings: Settings;
  services: Pick<PlatformServices, 'fetchUpstream' | 'rateLimiter' | 'now' | 'log'>;
}

/** The partners asked first this hour: sorted by source domain, rotated by `floor(now / 1 h)`. */
export function pullOrder(partners: readonly Partner[], nowMs: number): Partner[] {
  const pulling = partners
    .filter((partner) => partner.pull_sync_enabled)
    .sort((a, b) =>
      a.source_domain < b.source_domain ? -1 : a.source_domain > b.source_domain ? 1 : 0,
    );
  if (pulling.length === 0) return pulling;
  const offset = Math.floor(nowMs / HOUR_MS) % pulling.length;
  return [...pulling.slice(offset), ...pulling.slice(0, offset)];
}

/**
 * The URL to call for a partner, or why not. Checked again here although settings validation
 * did: what is called at run time must be what the allow-list says, whatever changed the settings.
 */
export function pullUrl(partner: Partner, id: string): URL | string {
  if (partner.pull_sync_url === undefined) return 'no pull_sync_url';
  let url: URL;
  try {
    url = new URL(partner.pull_sync_url);
  } catch {
    return 'pull_sync_url is not a URL';
  }
  if (url.protocol !== 'https:') return 'pull_sync_url is not https';
  const host = url.hostname.replace(/\.$/, '').toLowerCase();
  const allowed = partner.pull_sync_allowed_domains.some(
    (domain) => domain.trim().replace(/\.$/, '').toLowerCase() === host,
  );
  if (!allowed) return `host ${host} is not in pull_sync_allowed_domains`;
  url.searchParams.append('ec_id', id);
  return url;
}

/** `pull:<source domain>:<ID hash>`: one budget per partner and household. */
export function pullRateKey(sourceDomain: string, id: string): string {
  return `pull:${sourceDomain}:${ecHash(id)}`;
}

/**
 * `pull_sync_rate_limit` is per hour (upstream); the limiter counts per minute, so the budget is
 * rounded up to whole calls a minute, as upstream's own 60-second counter does (10/h → 1/min).
 */
export function pullPerMinute(perHour: number): number {
  return Math.max(1, Math.ceil(perHour / 60));
}

/** The hook for the lifecycle, or undefined when no partner pulls (nothing to run). */
export function createPullSync(deps: PullSyncDependencies): AfterOrganicResponse | undefined {
  const { graph, settings, services } = deps;
  const log = services.log;
  if (!settings.ec.partners.some((partner) => partner.pull_sync_enabled)) return undefined;
  const limiter = services.rateLimiter;
  if (limiter === undefined) {
    // Without a budget every page view would call every partner: pull nothing instead.
    log.warn('pull sync is off: this platform has no rate limiter', {
      key: 'ec.partners[].pull_sync_enabled',
    });
    return undefined;
  }
  const concurrency = settings.ec.pull_sync_concurrency;

  return async (state) => {
    const id = state.id;
    if (id === undefined || !isValidEcId(id) || !allowsEcCreation(state.consent)) return;
    try {
      const stored = await graph.get(id);
      // No entry, or a withdrawal: an answer could not be stored, so the ID is sent to nobody.
      if (stored === null || isTombstone(stored.entry)) return;
      const missing = pullOrder((await deps.partners).all(), services.now()).filter(
        (partner) => !Object.hasOwn(stored.entry.ids, partner.source_domain),
      );
      await runPool(missing, concurrency, (partner) => pullOne(partner, id, limiter, deps, log));
    } catch (thrown) {
      const error = toTsError(thrown);
      log.warn('pull sync: skipped', { code: error.code, error: redact(error.message, id) });
    }
  };
}

/** One partner: budget, call, store. Never throws. */
async function pullOne(
  partner: Partner,
  id: string,
  limiter: RateLimiter,
  deps: PullSyncDependencies,
  log: Logger,
): Promise<void> {
  const source = partner.source_domain;
  const url = pullUrl(partner, id);
  if (typeof url === 'string') {
    log.error('pull sync: partner not called', { partner: source, reason: url });
    return;
  }
  const token = partner.ts_pull_token;
  if (token === undefined) {
    log.error('pull sync: partner not called', { partner: source, reason: 'no ts_pull_token' });
    return;
  }
  try {
    if (
      await limiter.exceeded(pullRateKey(source, id), pullPerMinute(partner.pull_sync_rate_limit))
    ) {
      log.debug('pull sync: over the partner budget', { partner: source, ec: ecLogId(id) });
      return;
    }
    const response = await deps.services.fetchUpstream(
      new Request(url, { headers: { accept: 'application/json' } }),
      {
        timeoutMs: PULL_TIMEOUT_MS,
        maxResponseBytes: MAX_PULL_RESPONSE_BYTES,
        verifyCertificate: deps.settings.proxy.certificate_check,
        authorization: `Bearer ${token.reveal()}`,
      },
    );
    const uid = await uidFrom(response, source, log);
    if (uid === undefined) return;
    const outcome = await deps.graph.upsertPartnerIdIfExists(id, source, uid);
    log.debug('pull sync: partner answered', { partner: source, ec: ecLogId(id), outcome });
  } catch (thrown) {
    const error = toTsError(thrown);
    log.warn('pull sync: partner call failed', {
      partner: source,
      code: error.code,
      error: redact(error.message, id),
    });
  }
}

/** The UID of a partner's answer; undefined (logged) for anything else. */
async function uidFrom(
  response: Response,
  source: string,
  log: Logger,
): Promise<string | undefined> {
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    // 404: the partner does not know this reader; nothing went wrong.
    if (response.status === 404) log.debug('pull sync: partner has no UID', { partner: source });
    else log.warn('pull sync: partner refused', { partner: source, status: response.status });
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(await response.text());
  } catch (thrown) {
    // A body over the cap errors as upstream_too_large: rethrown for the caller's log line.
    if (thrown instanceof SyntaxError) {
      log.warn('pull sync: partner answer is not JSON', { partner: source });
      return undefined;
    }
    throw thrown;
  }
  const uid =
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)['uid']
      : undefined;
  if (uid === undefined || uid === null || (typeof uid === 'string' && uid.trim() === '')) {
    log.debug('pull sync: partner has no UID', { partner: source });
    return undefined;
  }
  if (typeof uid !== 'string' || !isStorableUid(uid)) {
    log.warn('pull sync: partner UID refused (not text, or over 512 bytes)', { partner: source });
    return undefined;
  }
  return uid;
}

/** Runs `work` over `items`, at most `limit` at once. */
async function runPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A message with the reader's full ID cut down to its log form (a URL in an error names it). */
function redact(message: string, id: string): string {
  return message.split(id).join(ecLogId(id));
}
