/**
 * PlatformServices from the Workers runtime: its `fetch`, its compression, the client address
 * Cloudflare's edge reports, geo from `request.cf`, JSON log lines to the console (Workers Logs /
 * `wrangler tail` pick them up), and the store and rate limiter its bindings select
 * (stores/store-binding.ts).
 */
import { deviceSignalsOf } from '../core/device/device-signals.ts';
import { asNumber, countryCode, regionCode } from '../core/geo/geo-values.ts';
import { builtinHtmlEngine } from '../core/html/index.ts';
import { keepAlive } from '../core/background.ts';
import { consoleSink, createLogger } from '../core/log.ts';
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
import { workersOriginFetch, workersOriginFetchVia } from './origin-fetch.ts';
import type { ExecutionContext, IncomingCf, WorkerEnv } from './runtime.ts';
import { rateLimiterFromBindings, storeFromBindings } from './stores/store-binding.ts';
import { workersUpstreamTransport } from './upstream-fetch.ts';
import { withUpstreamPolicy } from '../core/upstream/upstream-fetch.ts';

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

/** Each request's execution context, for `waitUntil` (services are built once per isolate). */
export const requestContexts = new WeakMap<Request, ExecutionContext>();

/**
 * The Ray ID Cloudflare's edge puts on every request, to match a log line with Cloudflare's own
 * logs. Local workerd has no edge, so a client could send anything: only a Ray ID's shape is kept.
 */
export function workersRequestId(request: Request): string | undefined {
  const ray = request.headers.get('cf-ray');
  return ray !== null && /^[0-9A-Za-z-]{1,64}$/.test(ray) ? ray : undefined;
}

/** JA4 comes with Bot Management (Enterprise); Workers expose no HTTP/2 fingerprint. */
export function workersDeviceSignals(request: Request): DeviceSignals {
  return deviceSignalsOf(request.headers.get('user-agent'), cfOf(request)?.botManagement?.ja4);
}

/**
 * `TS_ORIGIN`: a service binding the local runner sets when `proxy.origin_address` is given, so
 * that only origin requests go to that address (a deployed Worker has none).
 */
function originBinding(env: WorkerEnv) {
  const binding = env['TS_ORIGIN'] as { fetch?: unknown } | undefined;
  if (typeof binding?.fetch !== 'function') return undefined;
  const service = binding as { fetch: (request: Request, init: RequestInit) => Promise<Response> };
  return workersOriginFetchVia((request, init) => service.fetch(request, init));
}

export function workersServices(settings: Settings, env: WorkerEnv): PlatformServices {
  const log = createLogger({
    level: settings.logging.level,
    secrets: secretValues(settings),
    sink: consoleSink,
  });
  const now = () => Date.now();
  const kv = storeFromBindings(env, now);
  const rateLimiter = rateLimiterFromBindings(env, now);
  return {
    fetchOrigin: originBinding(env) ?? workersOriginFetch,
    codecs: workersCodecs,
    htmlEngine:
      settings.cloudflare.html_engine === 'htmlrewriter' ? nativeHtmlEngine : builtinHtmlEngine,
    connection: workersConnection,
    geo: workersGeo,
    deviceSignals: workersDeviceSignals,
    // Only zones with Bot Management see `cf.botManagement.ja4`.
    ja4Support: 'sometimes',
    log,
    requestId: workersRequestId,
    now,
    monotonic: () => performance.now(),
    fetchUpstream: withUpstreamPolicy(workersUpstreamTransport),
    // Absent without a store binding: the features that need one stay off.
    ...(kv !== undefined ? { kv } : {}),
    ...(rateLimiter !== undefined ? { rateLimiter } : {}),
    waitUntil: (request, work) => {
      const context = requestContexts.get(request);
      keepAlive(log, work, context && ((logged) => context.waitUntil(logged)));
    },
  };
}
