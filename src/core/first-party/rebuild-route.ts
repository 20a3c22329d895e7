/**
 * `GET|POST /first-party/proxy-rebuild`: re-signs a creative's click URL with parameters added or
 * removed (a click guard appending the click position, say). Upstream HEAD's rules, which this
 * route keeps:
 *
 * - the incoming click URL's token is checked first: without it, anyone could mint signed
 *   redirects to any URL (upstream before HEAD was such an open-redirect oracle);
 * - `tsurl`, `tstoken` and `tsexp` are reserved: the target cannot change and an expiry cannot be
 *   stripped; an existing parameter cannot be overwritten, only removed;
 * - the rebuilt URL's parameters are sorted by name, one value each (upstream's BTreeMap);
 * - JSON in, JSON out (`{href, base, added, removed}`); a GET or a form POST is a navigation from
 *   an opaque-origin creative frame, which cannot read a JSON answer: it gets a 302 to the href.
 */
import { TsError } from '../errors.ts';
import { jsonResponse } from '../http/json-response.ts';
import type { RequestContext } from '../http/request-context.ts';
import { readBoundedText } from '../http/request-body.ts';
import type { PlatformServices } from '../services.ts';
import {
  FIRST_PARTY_CLICK_PATH,
  SIGNED_URL_HEADERS,
  signParts,
  type QueryPair,
} from './signed-url.ts';
import type { ProxyTokenSigner } from './token.ts';
import { signedUrlError, verifySignedUrl } from './verify-signed-url.ts';

export const REBUILD_MAX_BODY_BYTES = 64 * 1024;
const RESERVED = new Set(['tsurl', 'tstoken', 'tsexp']);
const PARSE_BASE = 'https://request.invalid';

interface RebuildRequest {
  tsclick: string;
  add: Record<string, string>;
  del: string[];
}

export function createRebuildHandler(
  services: Pick<PlatformServices, 'now'>,
  signer: ProxyTokenSigner,
): (request: Request, ctx: RequestContext) => Promise<Response> {
  return async (request, ctx) => {
    const navigation = request.method === 'GET' || isFormPost(request);
    const asked = await readRebuildRequest(request, ctx);

    let click: URL;
    try {
      click = new URL(asked.tsclick, PARSE_BASE);
    } catch {
      throw badRequest('invalid tsclick');
    }
    if (click.pathname !== FIRST_PARTY_CLICK_PATH) throw badRequest('invalid tsclick path');
    const check = await verifySignedUrl(signer, click, { now: services.now() });
    if (!check.ok) throw signedUrlError(check);

    const params = new Map<string, string>();
    for (const [name, value] of click.searchParams) {
      if (name !== 'tsurl' && name !== 'tstoken') params.set(name, value);
    }
    const before = new Map(params);
    for (const name of asked.del) {
      if (RESERVED.has(name)) throw badRequest(`cannot delete reserved signing parameter: ${name}`);
      params.delete(name);
    }
    for (const [name, value] of Object.entries(asked.add)) {
      if (RESERVED.has(name)) throw badRequest(`cannot add reserved signing parameter: ${name}`);
      if (params.has(name)) throw badRequest(`cannot modify existing parameter: ${name}`);
      params.set(name, value);
    }
    const pairs: QueryPair[] = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const href = await signParts(signer, check.tsurl, pairs, FIRST_PARTY_CLICK_PATH);

    if (navigation) {
      return new Response(null, {
        status: 302,
        headers: { location: href, 'cache-control': 'no-store, private' },
      });
    }
    const added = Object.fromEntries(pairs.filter(([name]) => !before.has(name)));
    const removed = [...before.keys()].filter((name) => !params.has(name)).sort();
    return jsonResponse(200, { href, base: check.tsurl, added, removed }, SIGNED_URL_HEADERS);
  };
}

function isFormPost(request: Request): boolean {
  if (request.method !== 'POST') return false;
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded';
}

async function readRebuildRequest(request: Request, ctx: RequestContext): Promise<RebuildRequest> {
  if (request.method !== 'POST') return fromPairs(ctx.url.searchParams);
  const text = await readBoundedText(request, REBUILD_MAX_BODY_BYTES, 'proxy-rebuild');
  if (isFormPost(request)) return fromPairs(new URLSearchParams(text));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('invalid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw badRequest('invalid JSON');
  const { tsclick, add, del } = parsed as Record<string, unknown>;
  if (typeof tsclick !== 'string') throw badRequest('missing tsclick');
  const addMap = add === undefined || add === null ? {} : stringMap(add);
  const delList = del === undefined || del === null ? [] : stringList(del);
  if (addMap === undefined || delList === undefined) throw badRequest('invalid JSON');
  return { tsclick, add: addMap, del: delList };
}

/** The GET query or form body: `add` and `del` carry JSON; values that do not parse are ignored (upstream). */
function fromPairs(pairs: URLSearchParams): RebuildRequest {
  const tsclick = pairs.get('tsclick');
  if (tsclick === null) throw badRequest('missing tsclick');
  return {
    tsclick,
    add: stringMap(parseJson(pairs.get('add'))) ?? {},
    del: stringList(parseJson(pairs.get('del'))) ?? [],
  };
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (!entries.every(([, v]) => typeof v === 'string')) return undefined;
  return Object.fromEntries(entries);
}

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return undefined;
  return value;
}

function badRequest(message: string): TsError {
  return new TsError('bad_request', `first-party proxy-rebuild: ${message}`, {
    publicMessage: message,
  });
}
