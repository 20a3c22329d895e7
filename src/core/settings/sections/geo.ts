/**
 * `[geo]`: where the Node adapter learns the client's country, region and network (ASN). The edge
 * adapters always use their platform's own geolocation and do not read this section.
 *
 * - `none` (default): nothing is known. Callers treat that as "jurisdiction unknown" and fail
 *   closed, as upstream does on a platform without geo.
 * - `headers`: a CDN or load balancer in `proxy.trusted_proxies` says where the client is.
 * - `mmdb`: an operator-supplied MaxMind-format database is asked about the client address.
 * - `fixed`: every client is in one configured country (single-market sites).
 *
 * A key that the chosen mode does not read is an error, never silently ignored.
 */
import { GEO_HEADER_PRESETS, type GeoHeaderPreset } from '../../geo/header-presets.ts';
import { countryCode, regionCode } from '../../geo/geo-values.ts';
import { join, makeFieldFrom, object, oneOf, str, type FieldBuilder } from '../schema.ts';

export const GEO_MODES = ['none', 'headers', 'mmdb', 'fixed'] as const;
export type GeoMode = (typeof GEO_MODES)[number];

export interface GeoSettings {
  mode: GeoMode;
  /** `headers` mode: whose header names to read. */
  preset?: GeoHeaderPreset;
  /** `headers` mode, lower case: overrides the preset's name (`custom`: required). */
  country_header?: string;
  region_header?: string;
  asn_header?: string;
  /** `mmdb` mode: a GeoLite2/GeoIP2 City or Country database (or any MaxMind-format file). */
  mmdb_path?: string;
  /** `mmdb` mode, optional: a GeoLite2/GeoIP2 ASN database for the AS number. */
  asn_mmdb_path?: string;
  /** `fixed` mode: ISO 3166-1 alpha-2, upper case. */
  country?: string;
  /** `fixed` mode, optional: the ISO 3166-2 subdivision part (`CA`). */
  region?: string;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Headers that carry something else. Named as a geo header, one would also be removed from every
 * request that does not come from a trusted proxy (see request-context.ts), breaking the site.
 */
const NOT_GEO =
  /^(host|cookie|authorization|user-agent|referer|origin|connection|upgrade|te|transfer-encoding|forwarded|x-real-ip|x-forwarded-.*|accept.*|content-.*|sec-.*|if-.*|cache-control|pragma|range)$/i;

function headerName() {
  return str().check((text) => {
    if (!HEADER_NAME.test(text)) return `must be an HTTP header name, got "${text}"`;
    if (NOT_GEO.test(text))
      return `"${text}" already means something else in HTTP; name the header your proxy sets`;
    return undefined;
  });
}

const raw = object({
  mode: oneOf(GEO_MODES).default('none'),
  preset: oneOf(Object.keys(GEO_HEADER_PRESETS) as GeoHeaderPreset[]).optional(),
  country_header: headerName().optional(),
  region_header: headerName().optional(),
  asn_header: headerName().optional(),
  mmdb_path: str().optional(),
  asn_mmdb_path: str().optional(),
  country: str().optional(),
  region: str().optional(),
});

/** Which keys each mode reads; any other key given is reported. */
const KEYS_READ: Record<GeoMode, ReadonlyArray<keyof GeoSettings>> = {
  none: [],
  headers: ['preset', 'country_header', 'region_header', 'asn_header'],
  mmdb: ['mmdb_path', 'asn_mmdb_path'],
  fixed: ['country', 'region'],
};

export const geoSection: FieldBuilder<GeoSettings> = makeFieldFrom(
  '[geo] table',
  (value, path, ctx) => {
    const parsed = raw.parse(value, path, ctx);
    if (parsed === undefined) return undefined;
    const settings: GeoSettings = { mode: parsed.mode };
    let ok = true;
    const problem = (key: keyof GeoSettings, message: string) => {
      ctx.report(join(path, key), message);
      ok = false;
    };

    const modeOf = (key: keyof GeoSettings) =>
      GEO_MODES.find((mode) => KEYS_READ[mode].includes(key)) ?? 'none';
    for (const key of Object.keys(parsed) as Array<keyof GeoSettings>) {
      if (key === 'mode' || parsed[key] === undefined) continue;
      if (!KEYS_READ[parsed.mode].includes(key)) {
        problem(key, `only read when geo.mode = "${modeOf(key)}" (geo.mode is "${parsed.mode}")`);
      }
    }

    switch (parsed.mode) {
      case 'none':
        break;
      case 'headers':
        if (parsed.preset === undefined) {
          problem(
            'preset',
            `required when geo.mode = "headers": one of ${Object.keys(GEO_HEADER_PRESETS)
              .map((name) => `"${name}"`)
              .join(', ')}`,
          );
          break;
        }
        settings.preset = parsed.preset;
        if (parsed.preset === 'custom' && parsed.country_header === undefined) {
          problem('country_header', 'required when geo.preset = "custom"');
        }
        for (const key of ['country_header', 'region_header', 'asn_header'] as const) {
          const name = parsed[key];
          if (name !== undefined) settings[key] = name.toLowerCase();
        }
        break;
      case 'mmdb':
        if (parsed.mmdb_path === undefined) {
          problem('mmdb_path', 'required when geo.mode = "mmdb": the path of a .mmdb file');
          break;
        }
        settings.mmdb_path = parsed.mmdb_path;
        if (parsed.asn_mmdb_path !== undefined) settings.asn_mmdb_path = parsed.asn_mmdb_path;
        break;
      case 'fixed':
        ok = fixedLocation(parsed, settings, problem) && ok;
        break;
    }
    return ok ? settings : undefined;
  },
  false,
  // The keys are `raw`'s: documentation and the feature list read them from here.
  raw.meta,
);

function fixedLocation(
  parsed: { country?: string | undefined; region?: string | undefined },
  settings: GeoSettings,
  problem: (key: keyof GeoSettings, message: string) => void,
): boolean {
  if (parsed.country === undefined) {
    problem('country', 'required when geo.mode = "fixed": an ISO 3166-1 alpha-2 code such as "DE"');
    return false;
  }
  const country = countryCode(parsed.country);
  if (country === undefined) {
    problem(
      'country',
      `must be an ISO 3166-1 alpha-2 country code such as "DE", got "${parsed.country}"`,
    );
    return false;
  }
  settings.country = country;
  if (parsed.region === undefined) return true;
  const region = regionCode(parsed.region, country);
  if (region === undefined) {
    problem(
      'region',
      `must be an ISO 3166-2 subdivision code of ${country} such as "CA" or "${country}-CA", got "${parsed.region}"`,
    );
    return false;
  }
  settings.region = region;
  return true;
}
