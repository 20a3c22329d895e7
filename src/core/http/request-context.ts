/**
 * Who is asking and as which first-party host, decided once per request.
 *
 * Client-supplied forwarding headers are never believed unless the TCP peer is a configured
 * trusted proxy; the rewritten URLs' host is always one of the configured public hosts, so a
 * spoofed `Host` or `X-Forwarded-Host` can never steer them.
 */
import {
  CDN_LOCATION_HEADERS,
  CDN_LOCATION_PREFIXES,
  geoHeaderNames,
} from '../geo/header-presets.ts';
import type { Settings } from '../settings/settings-schema.ts';
import type { ClientConnection, GeoInfo } from '../services.ts';
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
  /**
   * Where the client is (`services.geo`), asked once per request; null when unknown, which
   * callers treat as "jurisdiction unknown" and fail closed.
   */
  geo: GeoInfo | null;
}

export interface ContextOptions {
  geo?: GeoInfo | null;
  /** More names that pass only from a trusted proxy ({@link buildProxyOnlyHeaders}). */
  proxyOnlyHeaders?: ReadonlySet<string>;
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
 * Whether the client may not send `name` (lower case). Client identity and CDN location headers
 * (header-presets.ts, plus the `[geo]` names in `proxyOnly`) pass from a trusted proxy only.
 * Underscore spellings (`X_Forwarded_For`) are judged as their hyphenated twins and never pass,
 * even from a trusted proxy: no proxy sends them, and servers that map `_` to `-` (nginx with
 * `underscores_in_headers`, CGI's `HTTP_*` variables) would read them as the real field.
 */
function isStripped(
  name: string,
  fromProxy: boolean,
  proxyOnly: ReadonlySet<string> | undefined,
): boolean {
  const underscored = name.includes('_');
  const canonical = underscored ? name.replaceAll('_', '-') : name;
  if (STRIPPED.has(canonical)) return true;
  if (STRIPPED_PREFIXES.some((prefix) => canonical.startsWith(prefix))) return true;
  const onlyFromProxy =
    CLIENT_IDENTITY.has(canonical) ||
    CDN_LOCATION_HEADERS.has(canonical) ||
    CDN_LOCATION_PREFIXES.some((prefix) => canonical.startsWith(prefix)) ||
    proxyOnly?.has(canonical) === true;
  return onlyFromProxy && (underscored || !fromProxy);
}

/**
 * The geo headers an operator named in `[geo]` (`mode = "headers"`): like the CDNs' own, they
 * pass only from a trusted proxy.
 */
export function buildProxyOnlyHeaders(settings: Settings): ReadonlySet<string> {
  if (settings.geo.mode !== 'headers') return new Set();
  const names = geoHeaderNames(settings.geo);
  if (names === undefined) return new Set();
  return new Set([names.country, names.region, names.asn].filter((name) => name !== undefined));
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

export interface ClientAddress {
  /** The client: the peer, or the first untrusted hop named by a trusted proxy. */
  clientIp: string;
  /** The TCP peer is a configured trusted proxy, so its forwarding headers are believed. */
  fromProxy: boolean;
}

/** Who the client is, with `X-Forwarded-For` believed only from a trusted proxy. */
export function clientAddress(
  request: Request,
  connection: ClientConnection,
  trusted: readonly AddressRange[],
): ClientAddress {
  const peer = normaliseAddress(connection.remoteAddress);
  const fromProxy = isTrusted(peer, trusted);
  const clientIp = fromProxy
    ? clientFromChain(peer, request.headers.get('x-forwarded-for'), trusted)
    : peer;
  return { clientIp, fromProxy };
}

export function resolveRequestContext(
  request: Request,
  connection: ClientConnection,
  matcher: HostMatcher,
  trusted: readonly AddressRange[],
  url: URL = new URL(request.url),
  path: string = url.pathname,
  options: ContextOptions = {},
): RequestContext {
  const inbound = request.headers;
  const { clientIp, fromProxy } = clientAddress(request, connection, trusted);

  let scheme: 'http' | 'https' = connection.tls ? 'https' : 'http';
  let requestedHost = inbound.get('host');
  if (fromProxy) {
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
    if (isStripped(name, fromProxy, options.proxyOnlyHeaders)) headers.delete(name);
  }

  return {
    clientIp,
    scheme,
    host: firstPartyHost(requestedHost, matcher),
    headers,
    url,
    path,
    geo: options.geo ?? null,
  };
}

/** `::ffff:1.2.3.4` (how Node reports IPv4 on a dual-stack socket) → `1.2.3.4`. */
export function normaliseAddress(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.')
    ? address.slice(7)
    : address;
}
