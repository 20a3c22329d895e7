/**
 * PlatformServices from the Workers runtime: its `fetch`, its compression, the client address
 * Cloudflare's edge reports, geo from `request.cf`, JSON log lines to the console (Workers Logs /
 * `wrangler tail` pick them up).
 */
import { deviceSignalsOf } from '../core/device/device-signals.ts';
import { asNumber, countryCode, regionCode } from '../core/geo/geo-values.ts';
import { builtinHtmlEngine } from '../core/html/index.ts';
import { createLogger } from '../core/log.ts';
import type {
  ClientConnection,
  DeviceSignals,
  GeoInfo,
  PlatformServices,
} from '../core/services.ts';
import { secretValues } from '../core/settings/placeholders.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import { workersCodecs } from './codecs.ts';
import { nativeHtmlEngine } from './native-html.ts';
import { workersOriginFetch } from './origin-fetch.ts';
import type { IncomingCf } from './runtime.ts';

const cfOf = (request: Request) => (request as { cf?: IncomingCf }).cf;

/**
 * `CF-Connecting-IP` is set by Cloudflare's edge and cannot be supplied by a client there. Plain
 * workerd (local runs) has no edge in front: it reports the socket peer in `cf.clientIp`.
 */
export function workersConnection(request: Request): ClientConnection {
  const tls = request.url.startsWith('https:');
  const header = request.headers.get('cf-connecting-ip');
  if (header !== null) return { remoteAddress: header.trim(), tls };
  const local = cfOf(request)?.clientIp;
  // `ip:port`, with IPv6 in brackets.
  const address = local?.replace(/^\[(.*)\]:\d+$/, '$1').replace(/^([^:]+):\d+$/, '$1') ?? '';
  return { remoteAddress: address, tls };
}

/**
 * Geo from `request.cf`. The country must be a real ISO code: Cloudflare reports `XX` (unknown)
 * and `T1` (Tor), which decide no jurisdiction. `region` is the subdivision code (`TX`), as on
 * Fastly and Node, not Cloudflare's region name.
 */
export function workersGeo(request: Request): GeoInfo | null {
  const cf = cfOf(request);
  const country = countryCode(typeof cf?.country === 'string' ? cf.country : '');
  if (cf === undefined || country === undefined) return null;
  const number = (text: string | undefined) => {
    const value = text === undefined ? NaN : Number(text);
    return Number.isFinite(value) ? value : undefined;
  };
  const geo: GeoInfo = { country };
  if (cf.city !== undefined) geo.city = cf.city;
  if (cf.continent !== undefined) geo.continent = cf.continent;
  const region = typeof cf.regionCode === 'string' ? regionCode(cf.regionCode, country) : undefined;
  if (region !== undefined) geo.region = region;
  const asn = typeof cf.asn === 'number' ? asNumber(String(cf.asn)) : undefined;
  if (asn !== undefined) geo.asn = asn;
  const latitude = number(cf.latitude);
  const longitude = number(cf.longitude);
  const metroCode = number(cf.metroCode);
  if (latitude !== undefined) geo.latitude = latitude;
  if (longitude !== undefined) geo.longitude = longitude;
  if (metroCode !== undefined) geo.metroCode = metroCode;
  return geo;
}

/** JA4 comes with Bot Management (Enterprise); Workers expose no HTTP/2 fingerprint. */
export function workersDeviceSignals(request: Request): DeviceSignals {
  return deviceSignalsOf(request.headers.get('user-agent'), cfOf(request)?.botManagement?.ja4);
}

export function workersServices(settings: Settings): PlatformServices {
  return {
    fetchOrigin: workersOriginFetch,
    codecs: workersCodecs,
    htmlEngine:
      settings.cloudflare.html_engine === 'htmlrewriter' ? nativeHtmlEngine : builtinHtmlEngine,
    connection: workersConnection,
    geo: workersGeo,
    deviceSignals: workersDeviceSignals,
    log: createLogger({
      level: settings.logging.level,
      secrets: secretValues(settings),
      sink: (line, level) =>
        level === 'warn' || level === 'error' ? console.error(line) : console.log(line),
    }),
    now: () => Date.now(),
  };
}
