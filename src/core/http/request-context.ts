/**
 * Who is asking and as which first-party host, decided once per request.
 *
 * Client-supplied forwarding headers are never believed unless the TCP peer is a configured
 * trusted proxy; the rewritten URLs' host is always one of the configured public hosts, so a
 * spoofed `Host` or `X-Forwarded-Host` can never steer them.
 */
import type { Settings } from '../settings/settings-schema.ts';
import type { ClientConnection } from '../services.ts';
import { parseAddress, parseAddressRange, rangeContains, type AddressRange } from './ip.ts';

export interface RequestContext {
  /** The client's address: the peer, or the first untrusted hop named by a trusted proxy. */
  clientIp: string;
  scheme: 'http' | 'https';
  /** The first-party host (with port when the client used one) this request is served as. */
  host: string;
  /** Inbound headers with spoofable and internal fields removed. */
  headers: Headers;
  url: URL;
  /**
   * The normalised path (request-target.ts): what auth handlers matched and what the origin is
   * asked for. Read this, never `url.pathname`.
   */
  path: string;
}

/** Headers a client may not set: forwarding info, and fields only this server may assert. */
const STRIPPED_PREFIXES = ['x-ts-', 'x-geo-'];
const STRIPPED = new Set([
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-scheme',
  'x-forwarded-ssl',
  'x-real-ip',
  'fastly-ssl',
  'x-synthetic-id',
]);

/**
 * Who the client is, as CDNs and load balancers tell an origin. From a configured trusted proxy
 * they pass (that proxy set them); from anyone else they are a client claiming to be someone else,
 * and are stripped. The origin learns the client from our `X-Forwarded-For` either way.
 */
const CLIENT_IDENTITY = new Set([
  'true-client-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'fastly-client-ip',
  'x-client-ip',
  'client-ip',
  'x-cluster-client-ip',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  'x-original-forwarded-for',
]);

/**
 * Whether the client may not send `name` (lower case). Underscore spellings (`X_Forwarded_For`)
 * are judged as their hyphenated twins and never pass, even from a trusted proxy: no proxy sends
 * them, and servers that map `_` to `-` (nginx with `underscores_in_headers`, CGI's `HTTP_*`
 * variables) would read them as the real field.
 */
function isStripped(name: string, fromProxy: boolean): boolean {
  const underscored = name.includes('_');
  const canonical = underscored ? name.replaceAll('_', '-') : name;
  if (STRIPPED.has(canonical)) return true;
  if (STRIPPED_PREFIXES.some((prefix) => canonical.startsWith(prefix))) return true;
  return CLIENT_IDENTITY.has(canonical) && (underscored || !fromProxy);
}

export interface HostMatcher {
  /** Configured host → does it pin a port? */
  readonly entries: ReadonlyArray<{ host: string; port: string | undefined }>;
  readonly fallback: string;
}

export function buildHostMatcher(settings: Settings): HostMatcher {
  const all = [settings.publisher.domain, ...settings.publisher.hosts].map((entry) =>
    entry.toLowerCase(),
  );
  return {
    entries: all.map((entry) => {
      const [host, port] = splitHostPort(entry);
      return { host, port };
    }),
    fallback: settings.publisher.domain.toLowerCase(),
  };
}

export function buildTrustedProxies(settings: Settings): AddressRange[] {
  return settings.proxy.trusted_proxies.flatMap((entry) => {
    const range = parseAddressRange(entry);
    return range ? [range] : [];
  });
}

/** Splits `host:port` / `[v6]:port`; the port is undefined when absent. */
export function splitHostPort(value: string): [string, string | undefined] {
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close === -1) return [value, undefined];
    const rest = value.slice(close + 1);
    return [value.slice(0, close + 1), rest.startsWith(':') ? rest.slice(1) : undefined];
  }
  const colon = value.lastIndexOf(':');
  if (colon === -1 || value.indexOf(':') !== colon) return [value, undefined];
  return [value.slice(0, colon), value.slice(colon + 1)];
}

/** The first-party host for a requested `Host`: the request's own if configured, else the domain. */
export function firstPartyHost(requested: string | null, matcher: HostMatcher): string {
  if (!requested) return matcher.fallback;
  const candidate = requested.trim().toLowerCase();
  const [host, port] = splitHostPort(candidate);
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return matcher.fallback;
  for (const entry of matcher.entries) {
    if (entry.host !== host) continue;
    if (entry.port === undefined || entry.port === port) return candidate;
  }
  return matcher.fallback;
}

function isTrusted(address: string, trusted: readonly AddressRange[]): boolean {
  if (trusted.length === 0) return false;
  const bytes = parseAddress(address);
  return bytes !== undefined && trusted.some((range) => rangeContains(range, bytes));
}

function firstItem(value: string | null): string | undefined {
  const item = value?.split(',')[0]?.trim().replace(/^"|"$/g, '');
  return item === '' ? undefined : item;
}

/** `Forwarded: for=…;proto=…;host=…` — the first element's parameter, quotes removed. */
function forwardedParam(value: string | null, name: string): string | undefined {
  const first = value?.split(',')[0];
  if (!first) return undefined;
  for (const pair of first.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim().toLowerCase() === name) {
      return (
        pair
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, '') || undefined
      );
    }
  }
  return undefined;
}

/**
 * Walks `X-Forwarded-For` from the nearest hop back, skipping trusted proxies: the first address
 * that is not one of ours is the client. Malformed entries stop the walk (fail closed to the hop
 * we can vouch for).
 */
function clientFromChain(peer: string, chain: string | null, trusted: readonly AddressRange[]) {
  let client = peer;
  if (!chain) return client;
  const hops = chain.split(',').map((hop) => hop.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isTrusted(client, trusted)) break;
    const hop = stripPort(hops[i] ?? '');
    if (parseAddress(hop) === undefined) break;
    client = hop;
  }
  return client;
}

function stripPort(hop: string): string {
  if (hop.startsWith('[')) return hop.slice(1, hop.indexOf(']'));
  const colon = hop.lastIndexOf(':');
  return colon !== -1 && hop.indexOf(':') === colon ? hop.slice(0, colon) : hop;
}

export function resolveRequestContext(
  request: Request,
  connection: ClientConnection,
  matcher: HostMatcher,
  trusted: readonly AddressRange[],
  url: URL = new URL(request.url),
  path: string = url.pathname,
): RequestContext {
  const inbound = request.headers;
  const peer = normaliseAddress(connection.remoteAddress);
  const fromProxy = isTrusted(peer, trusted);

  let clientIp = peer;
  let scheme: 'http' | 'https' = connection.tls ? 'https' : 'http';
  let requestedHost = inbound.get('host');
  if (fromProxy) {
    clientIp = clientFromChain(peer, inbound.get('x-forwarded-for'), trusted);
    const forwarded = inbound.get('forwarded');
    const proto = (
      forwardedParam(forwarded, 'proto') ?? firstItem(inbound.get('x-forwarded-proto'))
    )?.toLowerCase();
    if (!connection.tls && (proto === 'https' || proto === 'http')) scheme = proto;
    requestedHost =
      forwardedParam(forwarded, 'host') ??
      firstItem(inbound.get('x-forwarded-host')) ??
      requestedHost;
  }

  const headers = new Headers(inbound);
  for (const [name] of inbound) {
    if (isStripped(name, fromProxy)) headers.delete(name);
  }

  return {
    clientIp,
    scheme,
    host: firstPartyHost(requestedHost, matcher),
    headers,
    url,
    path,
  };
}

/** `::ffff:1.2.3.4` (how Node reports IPv4 on a dual-stack socket) → `1.2.3.4`. */
export function normaliseAddress(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.')
    ? address.slice(7)
    : address;
}
