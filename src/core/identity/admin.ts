/**
 * The identity graph's diagnostics for operators (upstream `ec/admin.rs`), behind the `/_ts/admin`
 * basic-auth handler that start-up requires (settings/admin-coverage.ts):
 *
 * - `GET /_ts/admin/ec/{id}`, or `GET /_ts/admin/ec` for the caller's own `ts-ec` cookie: the
 *   stored entry as it is (a corrupt one included, with what is wrong with it), its metadata,
 *   the store's guarantees, and the EIDs an auction would take from it. Read straight from the
 *   store: no bot gate, no consent, no write.
 * - `GET /_ts/admin/eids`: the caller's `ts-eids` and `sharedId` cookies decoded, and what
 *   ingesting them would store. No store access at all.
 *
 * The answers show full IDs and partner UIDs: that is what they are for, to an authenticated
 * operator. The log lines about them do not.
 */
import { toTsError } from '../errors.ts';
import { parseCookies } from '../http/cookies.ts';
import type { RequestContext } from '../http/request-context.ts';
import type { Logger } from '../log.ts';
import type { KvEntry, KvStore } from '../store/kv.ts';
import { EC_COOKIE } from './ec-cookie.ts';
import { ecLogId, isValidEcId } from './ec-id.ts';
import { EIDS_COOKIE, previewEidCookies, SHAREDID_COOKIE } from './eid-cookies.ts';
import { graphEids, type GraphEids } from './graph-eids.ts';
import { isTombstone, parseGraphEntry } from './graph-entry.ts';
import { jsonResponse } from '../http/json-response.ts';
import type { PartnerRegistry } from './partners.ts';

export const ADMIN_EC_PATH = '/_ts/admin/ec';
export const ADMIN_EIDS_PATH = '/_ts/admin/eids';

export interface AdminEcView {
  ec_id: string;
  store: { kind: string; cas: boolean; ttl: boolean; consistent: boolean };
  generation: string;
  tombstone?: boolean;
  entry?: unknown;
  entry_error?: string;
  raw_body?: string;
  metadata?: unknown;
  metadata_error?: string;
  auction?: GraphEids;
}

export interface AdminDependencies {
  /** The store behind the identity graph; undefined when the platform has none (501). */
  kv: KvStore | undefined;
  partners: Promise<PartnerRegistry>;
  log: Logger;
}

const error = (status: number, message: string) => jsonResponse(status, { error: message });

/** `/_ts/admin/ec` and `/_ts/admin/ec/{id}`. */
export function createAdminEcHandler(
  deps: AdminDependencies,
): (request: Request, ctx: RequestContext) => Promise<Response> {
  const { kv, log } = deps;
  return async (_request, ctx) => {
    if (kv === undefined) {
      return error(501, 'EC identity graph is not configured on this deployment');
    }
    const fromPath = ctx.path.startsWith(`${ADMIN_EC_PATH}/`)
      ? ctx.path.slice(ADMIN_EC_PATH.length + 1)
      : '';
    const id = fromPath === '' ? parseCookies(ctx.headers).get(EC_COOKIE) : fromPath;
    if (id === undefined) {
      return error(
        404,
        `no EC ID in the path and no ${EC_COOKIE} cookie on the request: ask ${ADMIN_EC_PATH}/{id}`,
      );
    }
    if (!isValidEcId(id)) {
      return error(400, 'invalid EC ID format (expected {64 lower-case hex}.{6 alphanumerics})');
    }
    let stored: KvEntry | null;
    try {
      stored = await kv.get(id);
    } catch (thrown) {
      const failure = toTsError(thrown);
      log.warn('admin: identity graph not readable', { ec: ecLogId(id), code: failure.code });
      return error(503, `the store did not answer (${failure.code})`);
    }
    if (stored === null) {
      const note = kv.capabilities.consistent
        ? ''
        : ' (this store is eventually consistent: a very recent entry may not be visible yet)';
      return error(404, `EC entry not found${note}`);
    }
    log.info('admin: EC entry shown', { ec: ecLogId(id) });
    return jsonResponse(200, adminEcView(id, kv, stored, await deps.partners));
  };
}

/** The 200 body. Nothing in the entry or its metadata can make it fail: problems are reported. */
export function adminEcView(
  id: string,
  kv: Pick<KvStore, 'kind' | 'capabilities'>,
  stored: KvEntry,
  registry: PartnerRegistry,
): AdminEcView {
  const { cas, ttl, consistent } = kv.capabilities;
  const view: AdminEcView = {
    ec_id: id,
    store: { kind: kv.kind, cas, ttl, consistent },
    generation: stored.generation,
  };
  let json: unknown;
  try {
    json = JSON.parse(stored.value);
  } catch (thrown) {
    view.entry_error = `entry is not JSON: ${thrown instanceof Error ? thrown.message : 'unreadable'}`;
    view.raw_body = stored.value;
  }
  if (view.raw_body === undefined) {
    view.entry = withIsoTimes(json);
    const parsed = parseGraphEntry(stored.value);
    if (parsed.ok) {
      view.tombstone = isTombstone(parsed.entry);
      view.auction = graphEids(parsed.entry, registry);
    } else {
      view.entry_error = `entry failed validation (an auction attaches no EIDs from it): ${parsed.error}`;
    }
  }
  if (stored.metadata !== undefined) readMetadata(stored.metadata, view);
  return view;
}

function readMetadata(text: string, view: AdminEcView): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    view.metadata_error = `metadata is not JSON (raw: ${text})`;
    return;
  }
  view.metadata = json;
  const record = isRecord(json) ? json : undefined;
  if (
    record === undefined ||
    typeof record['ok'] !== 'boolean' ||
    typeof record['country'] !== 'string' ||
    typeof record['v'] !== 'number'
  ) {
    view.metadata_error = 'metadata does not have the expected {ok, country, v} fields';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The entry as stored, plus `created_iso` and `consent.updated_iso` beside the Unix-seconds
 * values, for people; a field of that name already stored is left as it is.
 */
function withIsoTimes(json: unknown): unknown {
  if (!isRecord(json)) return json;
  const entry: Record<string, unknown> = { ...json };
  const created = isoOf(entry['created']);
  if (created !== undefined && !Object.hasOwn(entry, 'created_iso')) entry['created_iso'] = created;
  const consent = entry['consent'];
  if (isRecord(consent)) {
    const updated = isoOf(consent['updated']);
    if (updated !== undefined && !Object.hasOwn(consent, 'updated_iso')) {
      entry['consent'] = { ...consent, updated_iso: updated };
    }
  }
  return entry;
}

function isoOf(seconds: unknown): string | undefined {
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 0)
    return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** `/_ts/admin/eids`. */
export function createAdminEidsHandler(
  partners: Promise<PartnerRegistry>,
): (request: Request, ctx: RequestContext) => Promise<Response> {
  return async (_request, ctx) => {
    const cookies = parseCookies(ctx.headers);
    const preview = previewEidCookies(
      { eids: cookies.get(EIDS_COOKIE), sharedId: cookies.get(SHAREDID_COOKIE) },
      await partners,
    );
    return jsonResponse(200, preview);
  };
}
