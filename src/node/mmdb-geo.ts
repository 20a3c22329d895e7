/**
 * `[geo] mode = "mmdb"`: the client's location from operator-supplied MaxMind-format databases
 * (GeoLite2/GeoIP2 City or Country, optionally an ASN database beside it), read with the `maxmind`
 * package. Opened once at start-up: a missing or unreadable file stops the server with a message
 * naming the key and the cause, never a server that quietly knows nothing. Each worker process
 * holds its own copy in memory (GeoLite2-City is ~60 MB); a new file takes effect on restart.
 */
import maxmind, { type Reader, type Response } from 'maxmind';
import type { AddressGeoLookup } from '../core/geo/configured-geo.ts';
import { asNumber, countryCode, regionCode } from '../core/geo/geo-values.ts';
import type { GeoInfo } from '../core/services.ts';
import { ConfigError } from '../core/settings/load-settings.ts';
import type { GeoSettings } from '../core/settings/sections/geo.ts';

/** Addresses asked of a freshly opened file, so a corrupt tree fails the start, not requests. */
const PROBES = ['1.1.1.1', '2001:db8::1'];
/** Recent answers kept per database (the `maxmind` default); keyed by address, never logged. */
const CACHE_ENTRIES = 10_000;

export async function openGeoDatabases(geo: Readonly<GeoSettings>): Promise<AddressGeoLookup> {
  if (geo.mmdb_path === undefined) throw new Error('geo.mmdb_path missing (schema bug)');
  const main = await openDatabase('geo.mmdb_path', geo.mmdb_path);
  const type = main.metadata.databaseType;
  if (/\b(ASN|ISP)\b/i.test(type) && !/city|country|enterprise/i.test(type)) {
    throw new ConfigError('[geo]', [
      `geo.mmdb_path: "${geo.mmdb_path}" is a ${type} database, which has no countries: give a ` +
        'City or Country database here and this one as geo.asn_mmdb_path',
    ]);
  }
  const asn =
    geo.asn_mmdb_path === undefined
      ? undefined
      : await openDatabase('geo.asn_mmdb_path', geo.asn_mmdb_path);
  return (address) => {
    const geoInfo = geoFromRecord(safeGet(main, address));
    if (geoInfo === null || asn === undefined) return geoInfo;
    const number = asnOf(safeGet(asn, address));
    if (number !== undefined) geoInfo.asn = number;
    return geoInfo;
  };
}

async function openDatabase(key: string, path: string): Promise<Reader<Response>> {
  let reader: Reader<Response>;
  try {
    reader = await maxmind.open<Response>(path, { cache: { max: CACHE_ENTRIES } });
  } catch (error) {
    throw new ConfigError('[geo]', [`${key}: cannot open "${path}": ${reasonOf(error)}`]);
  }
  try {
    for (const probe of PROBES) reader.get(probe);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ConfigError('[geo]', [`${key}: "${path}" is a damaged MaxMind DB file (${detail})`]);
  }
  return reader;
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code !== undefined) return (error as Error).message;
  // The reader's own words ("Unknown type 123 at offset 1") mean little to an operator.
  const detail = error instanceof Error ? error.message : String(error);
  return `not a MaxMind DB file (${detail})`;
}

/** A damaged data section can throw on one address only: that address is then unknown. */
function safeGet(reader: Reader<Response>, address: string): unknown {
  try {
    return reader.get(address);
  } catch {
    return null;
  }
}

type Fields = Record<string, unknown>;

const fieldsOf = (value: unknown): Fields | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Fields)
    : undefined;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * GeoIP2/GeoLite2 records (`country.iso_code`, `subdivisions[0].iso_code`, `location`, …), and
 * the flat layout some other MaxMind-format vendors use (`country: "DE"`, `asn: "AS3320"`).
 * Only the location's own country counts (not `registered_country`): an address whose country the
 * database does not know is unknown.
 */
export function geoFromRecord(record: unknown): GeoInfo | null {
  const fields = fieldsOf(record);
  if (fields === undefined) return null;
  const countryField = fields['country'];
  const country = countryCode(
    text(fieldsOf(countryField)?.['iso_code']) ?? text(countryField) ?? '',
  );
  if (country === undefined) return null;
  const geo: GeoInfo = { country };

  const subdivisions = fields['subdivisions'];
  const first = Array.isArray(subdivisions) ? fieldsOf(subdivisions[0]) : undefined;
  const region = regionCode(text(first?.['iso_code']) ?? '', country);
  if (region !== undefined) geo.region = region;

  const city = text(fieldsOf(fieldsOf(fields['city'])?.['names'])?.['en']);
  if (city !== undefined) geo.city = city;
  const continent = text(fieldsOf(fields['continent'])?.['code']);
  if (continent !== undefined) geo.continent = continent;
  const location = fieldsOf(fields['location']);
  const latitude = finite(location?.['latitude']);
  const longitude = finite(location?.['longitude']);
  if (latitude !== undefined && longitude !== undefined) {
    geo.latitude = latitude;
    geo.longitude = longitude;
  }
  const metroCode = finite(location?.['metro_code']);
  if (metroCode !== undefined) geo.metroCode = metroCode;

  const asn = asnOf(record);
  if (asn !== undefined) geo.asn = asn;
  return geo;
}

/** GeoLite2-ASN / GeoIP2-ISP: top level; GeoIP2 Enterprise: under `traits`; flat: `asn`. */
export function asnOf(record: unknown): number | undefined {
  const fields = fieldsOf(record);
  if (fields === undefined) return undefined;
  const value =
    fields['autonomous_system_number'] ??
    fieldsOf(fields['traits'])?.['autonomous_system_number'] ??
    fields['asn'];
  if (typeof value === 'number') return asNumber(String(value));
  return typeof value === 'string' ? asNumber(value) : undefined;
}
