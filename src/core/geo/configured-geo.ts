/**
 * `services.geo` for a platform without geolocation of its own (Node), as `[geo]` configures it.
 * Web-standard: the one thing it cannot do itself, reading a MaxMind database file, arrives as a
 * lookup function.
 */
import { clientAddress, buildTrustedProxies } from '../http/request-context.ts';
import type { ClientConnection, GeoInfo } from '../services.ts';
import { ConfigError } from '../settings/load-settings.ts';
import type { Settings } from '../settings/settings-schema.ts';
import { asNumber, countryCode, regionCode } from './geo-values.ts';
import { geoHeaderNames, type GeoHeaderNames } from './header-presets.ts';

/** Where an address is, from a database; null when it has no country for it. Never throws. */
export type AddressGeoLookup = (address: string) => GeoInfo | null;

export type ClientGeo = (request: Request, connection: ClientConnection) => GeoInfo | null;

/**
 * Builds the per-request geo function for `settings.geo`. `mmdb` mode needs `lookup` (the Node
 * adapter opens the databases); `headers` mode believes only `proxy.trusted_proxies`, which the
 * schema requires for it.
 */
export function createConfiguredGeo(settings: Settings, lookup?: AddressGeoLookup): ClientGeo {
  const geo = settings.geo;
  switch (geo.mode) {
    case 'none':
      return () => null;
    case 'fixed': {
      const { country, region } = geo;
      if (country === undefined) return () => null; // the schema requires it; never reached
      return () => (region === undefined ? { country } : { country, region });
    }
    case 'headers': {
      // The schema refuses this mode without a country header or a trusted proxy to believe.
      const names = geoHeaderNames(geo);
      if (names === undefined) return () => null;
      const trusted = buildTrustedProxies(settings);
      return (request, connection) =>
        clientAddress(request, connection, trusted).fromProxy
          ? geoFromHeaders(request.headers, names)
          : null;
    }
    case 'mmdb': {
      if (lookup === undefined) {
        throw new ConfigError('[geo]', [
          'geo.mode: "mmdb" is read by the Node adapter only (edges use their own geolocation)',
        ]);
      }
      const trusted = buildTrustedProxies(settings);
      return (request, connection) => {
        const { clientIp } = clientAddress(request, connection, trusted);
        return clientIp === '' ? null : lookup(clientIp);
      };
    }
  }
}

/**
 * Country, region and ASN from a trusted proxy's headers. No valid country, no geo: a region or
 * network without a country decides no jurisdiction. Each value is checked on its own, so a bad
 * ASN does not cost a good country.
 */
export function geoFromHeaders(headers: Headers, names: GeoHeaderNames): GeoInfo | null {
  const country = countryCode(headers.get(names.country) ?? '');
  if (country === undefined) return null;
  const geo: GeoInfo = { country };
  const region = names.region === undefined ? null : headers.get(names.region);
  const regionValue = region === null ? undefined : regionCode(region, country);
  if (regionValue !== undefined) geo.region = regionValue;
  const asn = names.asn === undefined ? null : headers.get(names.asn);
  const asnValue = asn === null ? undefined : asNumber(asn);
  if (asnValue !== undefined) geo.asn = asnValue;
  return geo;
}
