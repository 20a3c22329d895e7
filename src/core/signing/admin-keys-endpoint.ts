/**
 * `POST /_ts/admin/keys/rotate` `{kid?}` and `POST /_ts/admin/keys/deactivate` `{kid, delete?}`
 * (upstream HEAD's bodies and answers), behind the `/_ts/admin` basic-auth handler start-up
 * requires. Operator-facing, so a failure's `error` says exactly what went wrong, as upstream's
 * does; no answer or log line ever carries a seed (the ring's seeds are `Secret`s).
 *
 * Cross-site requests never reach these handlers: app.ts refuses them for every admin route that
 * changes state (http/cross-site.ts).
 *
 * Status codes: 400 malformed body or kid, 404 unknown kid, 409 a rule refused the change (kid
 * taken, current or last active key, overlap window not over: upstream answers those 500, but
 * the operator's next move is to change the request, not to page someone), 413 body over 4 KiB,
 * 500 signing not configured ("missing signing storage configuration", upstream's text), 503 a
 * store that cannot be written from here (Fastly, Workers KV).
 */
import { toTsError, TsError } from '../errors.ts';
import { readBoundedText } from '../http/request-body.ts';
import { jsonResponse } from '../http/json-response.ts';
import type { Logger } from '../log.ts';
import type { KeyStore } from './keystore.ts';

export const ADMIN_KEYS_ROTATE_PATH = '/_ts/admin/keys/rotate';
export const ADMIN_KEYS_DEACTIVATE_PATH = '/_ts/admin/keys/deactivate';

/** Upstream's cap on both admin bodies. */
export const ADMIN_KEYS_MAX_BODY_BYTES = 4096;

export const MISSING_SIGNING_STORAGE = 'missing signing storage configuration';

type Handler = (request: Request) => Promise<Response>;

function badRequest(detail: string): TsError {
  return new TsError('bad_request', detail, { publicMessage: `Bad request: ${detail}` });
}

/** The body as a JSON object (an empty body is `{}` when `emptyAllowed`). */
async function readObject(
  request: Request,
  emptyAllowed: boolean,
): Promise<Record<string, unknown>> {
  const text = await readBoundedText(request, ADMIN_KEYS_MAX_BODY_BYTES, 'admin keys');
  if (text.trim() === '' && emptyAllowed) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('invalid JSON request body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest('request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function failure(thrown: unknown, body: Record<string, unknown>, log: Logger, what: string) {
  const error = toTsError(thrown);
  if (error.status >= 500)
    log.warn(`signing: ${what} failed`, { code: error.code, detail: error.message });
  return jsonResponse(error.status, { success: false, ...body, error: error.message });
}

export interface AdminKeysHandlers {
  rotate: Handler;
  deactivate: Handler;
}

/** `keystore` undefined: `[request_signing]` is absent or off, and both answer 500 as upstream. */
export function createAdminKeysHandlers(
  keystore: KeyStore | undefined,
  log: Logger,
): AdminKeysHandlers {
  const rotateFailed = {
    message: 'Key rotation failed',
    new_kid: '',
    previous_kid: null,
    active_kids: [],
    jwk: {},
  };
  const deactivateFailed = (remove: boolean, kid: string) => ({
    message: remove ? 'Key deletion failed' : 'Key deactivation failed',
    deactivated_kid: kid,
    deleted: false,
    remaining_active_kids: [],
  });
  const unconfigured = new TsError('configuration', MISSING_SIGNING_STORAGE);

  return {
    async rotate(request) {
      try {
        if (keystore === undefined) throw unconfigured;
        const body = await readObject(request, true);
        const kid = body['kid'];
        if (kid !== undefined && kid !== null && typeof kid !== 'string') {
          throw badRequest('"kid" must be a string');
        }
        const result = await keystore.rotate(typeof kid === 'string' ? kid : undefined);
        log.info('signing: key rotated', {
          kid: result.newKid,
          previous: result.previousKid ?? null,
          active: result.activeKids.join(','),
        });
        return jsonResponse(200, {
          success: true,
          message: 'Key rotated successfully',
          new_kid: result.newKid,
          previous_kid: result.previousKid ?? null,
          active_kids: result.activeKids,
          jwk: result.jwk,
        });
      } catch (thrown) {
        return failure(thrown, rotateFailed, log, 'rotation');
      }
    },

    async deactivate(request) {
      let kid = '';
      let remove = false;
      try {
        if (keystore === undefined) throw unconfigured;
        const body = await readObject(request, false);
        if (typeof body['kid'] !== 'string') throw badRequest('"kid" must be a string');
        kid = body['kid'];
        const deleteField = body['delete'];
        if (deleteField !== undefined && typeof deleteField !== 'boolean') {
          throw badRequest('"delete" must be true or false');
        }
        remove = deleteField === true;
        const result = await keystore.deactivate(kid, { delete: remove });
        log.info(remove ? 'signing: key deleted' : 'signing: key deactivated', {
          kid,
          active: result.remainingActiveKids.join(','),
        });
        return jsonResponse(200, {
          success: true,
          message: remove ? 'Key deleted successfully' : 'Key deactivated successfully',
          deactivated_kid: kid,
          deleted: remove,
          remaining_active_kids: result.remainingActiveKids,
        });
      } catch (thrown) {
        return failure(thrown, deactivateFailed(remove, kid), log, 'deactivation');
      }
    },
  };
}
