/**
 * The downstream client as Fastly describes it (`event.client`, geolocation), mapped to core's
 * shapes. Pure: the runtime objects are passed in, so this runs under Node tests too.
 */
import { deviceSignalsOf } from '../core/device/device-signals.ts';
import { asNumber, countryCode, regionCode } from '../core/geo/geo-values.ts';
import type { ClientConnection, DeviceSignals, GeoInfo } from '../core/services.ts';

/** The fields of Fastly's `ClientInfo` read here. */
export interface FastlyClient {
  readonly address: string;
  readonly tlsProtocol: string | null;
  /** js-compute ≥ 3.37; null without TLS. */
  readonly tlsJA4?: string | null;
  /** js-compute ≥ 3.37; null on HTTP/1.1. */
  readonly h2Fingerprint?: string | null;
}

/** The fields of Fastly's `Geolocation` read here (`fastly:geolocation`). */
export interface FastlyGeolocation {
  /** Absent from stand-ins that predate it. */
  as_number?: number | null;
  city: string | null;
  continent: string | null;
  country_code: string | null;
  latitude: number | null;
  longitude: number | null;
  metro_code: number | null;
  region: string | null;
}

export function connectionOf(client: FastlyClient, requestUrl: string): ClientConnection {
  // The edge terminates TLS; `tlsProtocol` is its record of that, the URL scheme a fallback.
  const tls = Boolean(client.tlsProtocol) || requestUrl.startsWith('https:');
  return { remoteAddress: client.address, tls };
}

/**
 * Fastly's answer as core's `GeoInfo`. Without a real ISO country there is no geo (callers then
 * treat the jurisdiction as unknown), as on every adapter; `region` is Fastly's ISO 3166-2
 * subdivision code.
 */
export function geoInfoOf(geo: FastlyGeolocation | null): GeoInfo | null {
  if (!geo) return null;
  const country = countryCode(geo.country_code ?? '');
  if (country === undefined) return null;
  const info: GeoInfo = { country };
  if (geo.city) info.city = geo.city;
  if (geo.continent) info.continent = geo.continent;
  // Fastly reports unknown coordinates as 0,0 only together with no country; keep real zeros.
  if (isFiniteNumber(geo.latitude) && isFiniteNumber(geo.longitude)) {
    info.latitude = geo.latitude;
    info.longitude = geo.longitude;
  }
  if (isFiniteNumber(geo.metro_code)) info.metroCode = geo.metro_code;
  const region = geo.region ? regionCode(geo.region, country) : undefined;
  if (region !== undefined) info.region = region;
  const asn = isFiniteNumber(geo.as_number ?? null) ? asNumber(String(geo.as_number)) : undefined;
  if (asn !== undefined) info.asn = asn;
  return info;
}

/** JA4 and the HTTP/2 fingerprint Fastly computed for the connection, and the UA class. */
export function deviceSignalsOfClient(
  client: FastlyClient | undefined,
  userAgent: string | null,
): DeviceSignals {
  let ja4: string | null | undefined;
  let h2: string | null | undefined;
  try {
    ja4 = client?.tlsJA4;
    h2 = client?.h2Fingerprint;
  } catch {
    // An older runtime whose host getters refuse: no fingerprints, the UA class still holds.
  }
  return deviceSignalsOf(userAgent, ja4, h2);
}

/** Looks geo up, treating a lookup that throws (an address Fastly cannot parse) as "no data". */
export function safeGeoLookup(
  lookup: (address: string) => FastlyGeolocation | null,
  address: string,
): GeoInfo | null {
  if (address === '') return null;
  try {
    return geoInfoOf(lookup(address));
  } catch {
    return null;
  }
}

function isFiniteNumber(value: number | null): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Fastly's `Request` has no `signal` (there is no AbortController on the platform). Core reads
 * `request.signal` to tell an abandoned request from a failed one; this gives it one that never
 * fires, which is the truth here: a client that goes away ends the whole sandbox instead.
 */
export function ensureSignal(request: Request): Request {
  if ((request as { signal?: unknown }).signal) return request;
  try {
    Object.defineProperty(request, 'signal', { value: NEVER_ABORTED, configurable: true });
  } catch {
    // A host object that refuses new properties: core then only misses it on its error path.
  }
  return request;
}

const NEVER_ABORTED = Object.freeze({
  aborted: false,
  reason: undefined,
  onabort: null,
  addEventListener() {},
  removeEventListener() {},
  dispatchEvent: () => false,
  throwIfAborted() {},
}) as unknown as AbortSignal;
