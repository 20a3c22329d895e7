/**
 * Which URLs the first-party proxy may fetch, judged before every request it sends (the signed
 * target and each redirect hop). A signature proves only that this server wrote the URL, and the
 * creative rewriter writes them from bidders' markup: so the target is checked again here, never
 * trusted because it was signed.
 *
 * - `https` only; plain `http` only to a loopback host, and only with
 *   `proxy.allow_private_targets` (tests, the demo, local development).
 * - No credentials in the URL.
 * - A host written as an IP address must be a public one (loopback, private, link-local with the
 *   metadata service, multicast… are refused) unless `allow_private_targets`. Names are resolved by
 *   the platform: Node checks the address they resolve to as it connects (src/node/upstream-fetch.ts).
 * - The host must be in `proxy.allowed_domains` (when the list is not empty).
 */
import { TsError } from '../errors.ts';
import { nonPublicHost } from '../http/address-class.ts';

export interface TargetPolicy {
  allowPrivateTargets: boolean;
  allowsHost(host: string): boolean;
}

/** Why `url` may not be fetched (a 403 naming the problem), or undefined when it may. */
export function creativeTargetRefusal(url: URL, policy: TargetPolicy): TsError | undefined {
  const host = url.hostname;
  if (url.protocol !== 'https:') {
    const loopbackHttp =
      url.protocol === 'http:' && policy.allowPrivateTargets && isLoopbackHost(host);
    if (!loopbackHttp) return refuse(`creative URL must be https (got ${url.protocol})`);
  }
  if (url.username !== '' || url.password !== '') return refuse('creative URL carries credentials');
  if (host === '') return refuse('creative URL has no host');
  const kind = policy.allowPrivateTargets ? undefined : nonPublicHost(host);
  if (kind !== undefined) return refuse(`creative host ${host} is a ${kind} address`);
  if (!policy.allowsHost(host)) return refuse(`host ${host} is not in proxy.allowed_domains`);
  return undefined;
}

/** `localhost` and its subdomains (RFC 6761), or a loopback address. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return nonPublicHost(name) === 'loopback';
}

function refuse(message: string): TsError {
  return new TsError('forbidden', `first-party proxy: ${message}`, { publicMessage: message });
}
