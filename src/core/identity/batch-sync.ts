/**
 * `POST /_ts/api/v1/batch-sync` (upstream `ec/batch_sync.rs`): a partner's server sends, with its
 * Bearer token, up to 1000 `{ec_id, partner_uid, timestamp}` mappings; each UID is stored under the
 * partner's source domain in the reader's graph entry.
 *
 * A partner can only add to entries that exist and are live: it never creates one, and never
 * brings IDs back after a withdrawal (`ineligible`). Timestamps are required, as upstream, but do
 * not order writes: the last call wins. When the store fails, that mapping and every later one
 * are reported `kv_unavailable` and nothing more is written, so the partner knows exactly which
 * to send again.
 *
 * Every answer, errors included, is JSON: `{error, message}` for a refused call, `{accepted,
 * rejected, errors:[{index, reason}]}` (200 when all were accepted, else 207) for a processed one.
 */
import { toTsError } from '../errors.ts';
import { readCappedText } from '../http/request-body.ts';
import type { Logger } from '../log.ts';
import type { RateLimiter } from '../store/rate-limiter.ts';
import { bearerToken } from './bearer.ts';
import { ecLogId, isValidEcId, normalizeEcIdForKv } from './ec-id.ts';
import { isStorableUid } from './eid-cookies.ts';
import type { IdentityGraph } from './identity-graph.ts';
import { jsonResponse } from '../http/json-response.ts';
import type { PartnerRegistry } from './partners.ts';

export const BATCH_SYNC_PATH = '/_ts/api/v1/batch-sync';
/** The largest body read (upstream: 2 MiB); a larger one is refused before it is all sent. */
export const MAX_BATCH_BODY_BYTES = 2 * 1024 * 1024;
export const MAX_BATCH_MAPPINGS = 1000;

export type MappingRejection =
  'invalid_ec_id' | 'invalid_partner_uid' | 'ineligible' | 'kv_unavailable';

export interface BatchSyncResult {
  accepted: number;
  rejected: number;
  errors: Array<{ index: number; reason: MappingRejection }>;
}

export interface SyncMapping {
  ec_id: string;
  partner_uid: string;
  timestamp: number;
}

export interface BatchSyncDependencies {
  /** Undefined when no store holds the graph: every call is then refused with 503. */
  graph: IdentityGraph | undefined;
  partners: Promise<PartnerRegistry>;
  /** Undefined on a platform without one: calls are refused (503) rather than let through. */
  rateLimiter: RateLimiter | undefined;
  log: Logger;
}

/**
 * A 503 says only that: which part is missing (the limiter, the store) is for the log, as every
 * 5xx body of this server is generic.
 */
function unavailable(): Response {
  return refusal(503, 'unavailable', 'Service unavailable');
}

function refusal(status: number, error: string, message: string): Response {
  return jsonResponse(status, { error, message });
}

export function createBatchSyncHandler(
  deps: BatchSyncDependencies,
): (request: Request) => Promise<Response> {
  const { graph, rateLimiter, log } = deps;
  if (rateLimiter === undefined) {
    // No budget can be enforced, so a leaked token could write without limit: refuse instead.
    log.warn('batch sync is refused: this platform has no rate limiter', {
      path: BATCH_SYNC_PATH,
    });
  }
  if (graph === undefined) {
    log.warn('batch sync is refused: no identity graph (set [ec] ec_store, and a store)', {
      path: BATCH_SYNC_PATH,
    });
  }

  return async (request) => {
    const token = bearerToken(request.headers);
    const partner = token === undefined ? undefined : await (await deps.partners).byToken(token);
    if (partner === undefined) {
      return refusal(401, 'invalid_token', 'send Authorization: Bearer <your partner api_token>');
    }
    if (rateLimiter === undefined) {
      return unavailable();
    }
    try {
      if (await rateLimiter.exceeded(`batch:${partner.source_domain}`, partner.batch_rate_limit)) {
        return refusal(
          429,
          'rate_limit_exceeded',
          `at most ${partner.batch_rate_limit} batch-sync calls a minute`,
        );
      }
    } catch (thrown) {
      const error = toTsError(thrown);
      log.warn('batch sync: rate limiter failed', {
        partner: partner.source_domain,
        code: error.code,
        error: error.message,
      });
      return unavailable();
    }
    if (graph === undefined) {
      return unavailable();
    }

    const body = await readCappedText(request, MAX_BATCH_BODY_BYTES);
    if (body === undefined) {
      return refusal(
        413,
        'body_too_large',
        `the body must be at most ${MAX_BATCH_BODY_BYTES} bytes`,
      );
    }
    const parsed = parseBatch(body);
    if (!parsed.ok) return refusal(400, parsed.error, parsed.message);
    const result = await applyMappings(graph, partner.source_domain, parsed.mappings, log);
    return jsonResponse(result.rejected === 0 ? 200 : 207, result);
  };
}

export type BatchParse =
  | { ok: true; mappings: SyncMapping[] }
  | { ok: false; error: 'invalid_request' | 'batch_too_large'; message: string };

/**
 * The request body as mappings, or why it is refused (400). Shapes are checked as upstream's schema
 * does: a mapping missing a field, or with one of the wrong type, refuses the whole call. Values
 * are judged per mapping, later.
 */
export function parseBatch(text: string): BatchParse {
  const invalid = (message: string): BatchParse => ({
    ok: false,
    error: 'invalid_request',
    message,
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return invalid('the body is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return invalid('the body must be a JSON object {"mappings": [...]}');
  }
  const mappings = (json as Record<string, unknown>)['mappings'];
  if (!Array.isArray(mappings)) return invalid('"mappings" must be an array');
  if (mappings.length > MAX_BATCH_MAPPINGS) {
    return {
      ok: false,
      error: 'batch_too_large',
      message: `at most ${MAX_BATCH_MAPPINGS} mappings per call, got ${mappings.length}`,
    };
  }
  for (const [index, mapping] of (mappings as unknown[]).entries()) {
    if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
      return invalid(`mappings[${index}] must be an object`);
    }
    const record = mapping as Record<string, unknown>;
    if (typeof record['ec_id'] !== 'string')
      return invalid(`mappings[${index}].ec_id must be a string`);
    if (typeof record['partner_uid'] !== 'string') {
      return invalid(`mappings[${index}].partner_uid must be a string`);
    }
    const timestamp = record['timestamp'];
    if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
      return invalid(`mappings[${index}].timestamp must be a whole number of seconds`);
    }
  }
  return { ok: true, mappings: mappings as SyncMapping[] };
}

/** Writes the mappings in order; stops writing at the first store failure. */
export async function applyMappings(
  graph: Pick<IdentityGraph, 'upsertPartnerIdIfExists'>,
  sourceDomain: string,
  mappings: readonly SyncMapping[],
  log: Logger,
): Promise<BatchSyncResult> {
  const result: BatchSyncResult = { accepted: 0, rejected: 0, errors: [] };
  const reject = (index: number, reason: MappingRejection) => {
    result.rejected++;
    result.errors.push({ index, reason });
  };
  for (const [index, mapping] of mappings.entries()) {
    // Partners may send the hash part in upper case; the graph's keys are lower case.
    const id = normalizeEcIdForKv(mapping.ec_id);
    if (!isValidEcId(id)) {
      reject(index, 'invalid_ec_id');
      continue;
    }
    if (!isStorableUid(mapping.partner_uid)) {
      reject(index, 'invalid_partner_uid');
      continue;
    }
    try {
      const outcome = await graph.upsertPartnerIdIfExists(id, sourceDomain, mapping.partner_uid);
      if (outcome === 'ineligible') reject(index, 'ineligible');
      else result.accepted++;
    } catch (thrown) {
      const error = toTsError(thrown);
      log.warn('batch sync: store failed; the rest of the batch is not written', {
        partner: sourceDomain,
        index,
        ec: ecLogId(id),
        code: error.code,
        error: error.message,
      });
      for (let rest = index; rest < mappings.length; rest++) reject(rest, 'kv_unavailable');
      break;
    }
  }
  return result;
}
