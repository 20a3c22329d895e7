/**
 * Headers every routed response carries (upstream `finalize_response`), applied in one place:
 * geo, then `x-ts-version`, then the operator's `response_headers` (last write wins, so operators
 * may deliberately override the managed ones), and last the privacy rule for responses that set
 * cookies (response-privacy.ts), which nothing may override.
 */
import { editHeaders } from './http/edit-headers.ts';
import { applyResponsePrivacy } from './http/response-privacy.ts';
import type { GeoInfo } from './services.ts';
import type { Settings } from './settings/settings-schema.ts';
import { VERSION } from './version.ts';

export function geoHeaders(geo: GeoInfo | null): Array<[string, string]> {
  if (!geo) return [['x-geo-info-available', 'false']];
  const out: Array<[string, string]> = [];
  if (geo.city) out.push(['x-geo-city', geo.city]);
  if (geo.country) out.push(['x-geo-country', geo.country]);
  if (geo.continent) out.push(['x-geo-continent', geo.continent]);
  if (geo.latitude !== undefined && geo.longitude !== undefined) {
    out.push(['x-geo-coordinates', `${geo.latitude},${geo.longitude}`]);
  }
  if (geo.metroCode !== undefined && geo.metroCode > 0) {
    out.push(['x-geo-metro-code', String(geo.metroCode)]);
  }
  if (geo.region) out.push(['x-geo-region', geo.region]);
  // Not in upstream's set: the client's own network, so an operator can see the ASN is known.
  if (geo.asn !== undefined) out.push(['x-geo-asn', String(geo.asn)]);
  out.push(['x-geo-info-available', 'true']);
  return out;
}

export function createFinalizer(settings: Settings) {
  const operatorHeaders = Object.entries(settings.response_headers);
  return (response: Response, geo: GeoInfo | null): Response =>
    // Immutable headers (a platform fetch response) are copied once (edit-headers.ts).
    editHeaders(response, (headers) => {
      headers.set('x-ts-version', VERSION);
      for (const [name, value] of geoHeaders(geo)) headers.set(name, value);
      for (const [name, value] of operatorHeaders) headers.set(name, value);
      applyResponsePrivacy(headers);
    });
}
