/**
 * The request headers CDNs use to tell an origin where its client is, and which of them
 * `[geo] mode = "headers"` reads per preset. Names are lower case (as `Headers` reports them).
 *
 * - Cloudflare sends `CF-IPCountry` on every plan, and the subdivision code in `cf-region-code`
 *   once the "Add visitor location headers" Managed Transform is on. It has no ASN header: a
 *   Request Header Transform Rule can add one from the `ip.src.asnum` field; name it in
 *   `geo.asn_header`.
 * - CloudFront sends `CloudFront-Viewer-Country`, `-Country-Region` and `-ASN` when the cache
 *   behaviour's origin request policy includes them.
 * - Fastly sends none by default. The names below are the ones the VCL or Compute snippet in
 *   docs/configuration.md sets from `client.geo.country_code`, `client.geo.region` and
 *   `client.as.number`.
 */

export interface GeoHeaderNames {
  country: string;
  region?: string;
  asn?: string;
}

export const GEO_HEADER_PRESETS = {
  cloudflare: { country: 'cf-ipcountry', region: 'cf-region-code' },
  cloudfront: {
    country: 'cloudfront-viewer-country',
    region: 'cloudfront-viewer-country-region',
    asn: 'cloudfront-viewer-asn',
  },
  fastly: {
    country: 'x-client-geo-country',
    region: 'x-client-geo-region',
    asn: 'x-client-geo-asn',
  },
  /** No defaults: `geo.country_header` (required), `region_header`, `asn_header`. */
  custom: undefined,
} as const satisfies Record<string, GeoHeaderNames | undefined>;

export type GeoHeaderPreset = keyof typeof GEO_HEADER_PRESETS;

/**
 * Where a CDN states a client's location or address. Like `X-Forwarded-For`, these are believed
 * only from `proxy.trusted_proxies`; from anyone else they are a client claiming to be elsewhere,
 * and they are stripped before the request goes on to the origin, whatever `[geo] mode` is.
 */
export const CDN_LOCATION_HEADERS: ReadonlySet<string> = new Set([
  'cf-ipcountry',
  'cf-ipcity',
  'cf-ipcontinent',
  'cf-iplatitude',
  'cf-iplongitude',
  'cf-region',
  'cf-region-code',
  'cf-metro-code',
  'cf-postal-code',
  'cf-timezone',
]);

/** Every `CloudFront-Viewer-*` header (location, address, TLS fingerprints) and our Fastly names. */
export const CDN_LOCATION_PREFIXES: readonly string[] = ['cloudfront-viewer-', 'x-client-geo-'];

/** The names a `headers` configuration reads, preset defaults overridden by explicit keys. */
export function geoHeaderNames(settings: {
  preset?: GeoHeaderPreset | undefined;
  country_header?: string | undefined;
  region_header?: string | undefined;
  asn_header?: string | undefined;
}): GeoHeaderNames | undefined {
  const preset: GeoHeaderNames | undefined =
    settings.preset === undefined ? undefined : GEO_HEADER_PRESETS[settings.preset];
  const country = settings.country_header ?? preset?.country;
  if (country === undefined) return undefined;
  const names: GeoHeaderNames = { country };
  const region = settings.region_header ?? preset?.region;
  const asn = settings.asn_header ?? preset?.asn;
  if (region !== undefined) names.region = region;
  if (asn !== undefined) names.asn = asn;
  return names;
}
