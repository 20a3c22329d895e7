/**
 * `GET|POST /first-party/sign`: signs a creative's URL at run time (the creative runtime asks for
 * URLs a script built after the rewrite), good for 30 seconds (`tsexp`). Input: `?url=` or a JSON
 * `{"url": …}` body of at most 64 KiB. Refused, as upstream HEAD: excluded domains
 * (`rewrite.exclude_domains`, protocol-relative URLs included), `data:` and other non-network
 * schemes, relative URLs; and beyond upstream, whatever the proxy would refuse to fetch (not
 * https, credentials, a private address, a host outside `proxy.allowed_domains`): signing a URL
 * that can never be fetched only hands out a working-looking link.
 */
import { TsError } from '../errors.ts';
import { jsonResponse } from '../http/json-response.ts';
import type { RequestContext } from '../http/request-context.ts';
import { readBoundedText } from '../http/request-body.ts';
import type { PlatformServices } from '../services.ts';
import type { Settings } from '../settings/settings-schema.ts';
import { creativeTargetRefusal, type TargetPolicy } from './creative-target.ts';
import { createHostAllowList, isExcludedUrl } from './domain-patterns.ts';
import { SIGNED_URL_HEADERS, signTarget } from './signed-url.ts';
import type { ProxyTokenSigner } from './token.ts';

export const SIGN_MAX_BODY_BYTES = 64 * 1024;
/** How long a URL signed here stays good: long enough to be fetched at once, not to be kept. */
export const SIGN_LIFETIME_SECONDS = 30;

export function createSignHandler(
  settings: Settings,
  services: Pick<PlatformServices, 'now'>,
  signer: ProxyTokenSigner,
): (request: Request, ctx: RequestContext) => Promise<Response> {
  const excluded = settings.rewrite.exclude_domains;
  const policy: TargetPolicy = {
    allowPrivateTargets: settings.proxy.allow_private_targets,
    allowsHost: createHostAllowList(settings.proxy.allowed_domains),
  };
  return async (request, ctx) => {
    const requested = (await requestedUrl(request, ctx)).trim();
    if (isExcludedUrl(requested, excluded)) throw unsupported('excluded domain');
    // A protocol-relative URL takes this request's scheme, as a browser would resolve it.
    const absolute = requested.startsWith('//') ? `${ctx.scheme}:${requested}` : requested;
    if (!/^https?:\/\//i.test(absolute)) throw unsupported('not an absolute http(s) URL');
    let url: URL;
    try {
      url = new URL(absolute);
    } catch {
      throw unsupported('does not parse');
    }
    const refusal = creativeTargetRefusal(url, policy);
    if (refusal) throw refusal;

    const expiresAt = Math.floor(services.now() / 1000) + SIGN_LIFETIME_SECONDS;
    const signed = await signTarget(signer, absolute, { expiresAt });
    if (signed === undefined) throw unsupported('does not parse');
    // An opaque-origin creative frame asks with a credential-less GET (client/src/creative/
    // sign-client.ts) and can read the answer only with this grant. It gives nothing away: the
    // GET carries no cookie, and anyone can ask this endpoint for the same answer directly.
    const grant: Record<string, string> =
      request.method === 'GET' ? { 'access-control-allow-origin': '*' } : {};
    return jsonResponse(
      200,
      { href: signed.href, base: signed.tsurl },
      { ...SIGNED_URL_HEADERS, ...grant },
    );
  };
}

async function requestedUrl(request: Request, ctx: RequestContext): Promise<string> {
  if (request.method !== 'POST') {
    const url = ctx.url.searchParams.get('url');
    if (url === null) throw badRequest('missing url');
    return url;
  }
  const text = await readBoundedText(request, SIGN_MAX_BODY_BYTES, 'first-party sign');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('invalid JSON');
  }
  const url: unknown =
    typeof parsed === 'object' && parsed !== null ? (parsed as { url?: unknown }).url : undefined;
  if (typeof url !== 'string') throw badRequest('missing url');
  return url;
}

function unsupported(why: string): TsError {
  return new TsError('bad_request', `first-party sign: unsupported url (${why})`, {
    publicMessage: 'unsupported url',
  });
}

function badRequest(message: string): TsError {
  return new TsError('bad_request', `first-party sign: ${message}`, { publicMessage: message });
}
