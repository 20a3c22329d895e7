/**
 * Fetching a creative for the first-party proxy: the one place that talks to creative hosts, so
 * the proxy cannot be turned into an open fetcher into the operator's network, nor leak the
 * reader to a third party beyond what the creative needs.
 *
 * - Every URL sent to (the signed target, each redirect hop) passes {@link creativeTargetRefusal}.
 * - Redirects are followed here (the transport never does): 301/302/303/307/308, at most
 *   {@link MAX_REDIRECTS}; a loop or one more hop is a 502 (the host misbehaves: not 508, which
 *   is WebDAV's and says this server looped).
 * - Only `User-Agent`, `Accept` and `Accept-Language` go out, plus `Referer` cut to its origin:
 *   never cookies, credentials, forwarding headers, the client's address or this server's own.
 * - One deadline (`proxy.creative_timeout_ms`) and one size cap (`proxy.creative_max_bytes`) for
 *   the whole exchange, hops included: a declared oversize body fails before any byte is read,
 *   one that grows past the cap or drips past the deadline errors mid-stream (core's policy).
 * - Names resolve to public addresses only (on Node, checked at connect time) unless
 *   `proxy.allow_private_targets`.
 */
import { TsError } from '../errors.ts';
import type { PlatformServices } from '../services.ts';
import type { Settings } from '../settings/settings-schema.ts';
import { creativeTargetRefusal, type TargetPolicy } from './creative-target.ts';
import { createHostAllowList } from './domain-patterns.ts';

export const MAX_REDIRECTS = 4;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const FORWARDED_REQUEST_HEADERS = ['user-agent', 'accept', 'accept-language'] as const;

export interface FetchedCreative {
  /** The host's answer, its headers as sent (the route filters them). */
  response: Response;
  /** Where it came from after redirects: what relative URLs in the creative resolve against. */
  url: URL;
}

export type CreativeFetch = (
  target: URL,
  clientHeaders: Headers,
  signal?: AbortSignal,
) => Promise<FetchedCreative>;

export function createCreativeFetch(
  settings: Settings,
  services: Pick<PlatformServices, 'fetchUpstream' | 'log'>,
): CreativeFetch {
  const { proxy } = settings;
  const policy: TargetPolicy = {
    allowPrivateTargets: proxy.allow_private_targets,
    allowsHost: createHostAllowList(proxy.allowed_domains),
  };

  return async (target, clientHeaders, signal) => {
    const deadline = Date.now() + proxy.creative_timeout_ms;
    const headers = outgoingHeaders(clientHeaders);
    const visited = new Set<string>();
    let url = target;
    for (let hop = 0; ; hop++) {
      const refusal = creativeTargetRefusal(url, policy);
      if (refusal) {
        if (hop > 0) services.log.warn('creative redirect refused', { host: url.hostname, hop });
        throw refusal;
      }
      visited.add(url.href);
      const timeoutMs = deadline - Date.now();
      if (timeoutMs <= 0) {
        throw new TsError(
          'upstream_timeout',
          `creative redirects took over ${proxy.creative_timeout_ms} ms`,
        );
      }
      const response = await services.fetchUpstream(new Request(url, { method: 'GET', headers }), {
        timeoutMs,
        maxResponseBytes: proxy.creative_max_bytes,
        verifyCertificate: proxy.certificate_check,
        publicAddressesOnly: !proxy.allow_private_targets,
        ...(signal === undefined ? {} : { signal }),
      });
      const location = response.headers.get('location');
      // A 3xx without a Location is an answer, not a redirect: it passes (as upstream).
      if (!REDIRECT_STATUSES.has(response.status) || location === null || location === '') {
        return { response, url };
      }
      await response.body?.cancel().catch(() => {});
      if (hop === MAX_REDIRECTS) {
        throw new TsError(
          'upstream_failed',
          `creative at ${target.hostname} redirected more than ${MAX_REDIRECTS} times`,
        );
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new TsError(
          'upstream_failed',
          `creative host ${url.hostname} sent an invalid redirect`,
        );
      }
      next.hash = '';
      if (visited.has(next.href)) {
        throw new TsError('upstream_failed', `creative redirect loop at ${next.hostname}`);
      }
      url = next;
    }
  };
}

/** The request headers a creative host gets: what content negotiation needs, nothing of the reader's. */
function outgoingHeaders(clientHeaders: Headers): Headers {
  const out = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = clientHeaders.get(name);
    if (value !== null) out.set(name, value);
  }
  // The page the reader is on is not the creative host's business; the site is.
  const referer = refererOrigin(clientHeaders.get('referer'));
  if (referer !== undefined) out.set('referer', referer);
  return out;
}

function refererOrigin(referer: string | null): string | undefined {
  if (referer === null) return undefined;
  try {
    const url = new URL(referer);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return `${url.origin}/`;
  } catch {
    return undefined;
  }
}
