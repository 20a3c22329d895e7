/**
 * PlatformServices from the Workers runtime: its `fetch`, its compression, the client address
 * Cloudflare's edge reports, geo from `request.cf`, JSON log lines to the console (Workers Logs /
 * `wrangler tail` pick them up), and the store its bindings select (stores/store-binding.ts).
 */
import { builtinHtmlEngine } from '../core/html/index.ts';
import { createLogger } from '../core/log.ts';
import type { ClientConnection, GeoInfo, PlatformServices } from '../core/services.ts';
import { secretValues } from '../core/settings/placeholders.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import { workersCodecs } from './codecs.ts';
import { nativeHtmlEngine } from './native-html.ts';
import { workersOriginFetch } from './origin-fetch.ts';
import type { ExecutionContext, IncomingCf, WorkerEnv } from './runtime.ts';
import { storeFromBindings } from './stores/store-binding.ts';
import { withUpstreamPolicy, type UpstreamTransport } from '../core/upstream/upstream-fetch.ts';

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

export function workersGeo(request: Request): GeoInfo | null {
  const cf = cfOf(request);
  if (cf?.country === undefined) return null;
  const number = (text: string | undefined) => {
    const value = text === undefined ? NaN : Number(text);
    return Number.isFinite(value) ? value : undefined;
  };
  const geo: GeoInfo = { country: cf.country };
  if (cf.city !== undefined) geo.city = cf.city;
  if (cf.continent !== undefined) geo.continent = cf.continent;
  if (cf.region !== undefined) geo.region = cf.region;
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

/** Workers' `fetch` takes a signal and never follows a redirect with `redirect: 'manual'`. */
const workersUpstreamTransport: UpstreamTransport = (request, options) =>
  fetch(request, { signal: options.signal, redirect: 'manual' });

export function workersServices(settings: Settings, env: WorkerEnv): PlatformServices {
  const log = createLogger({
    level: settings.logging.level,
    secrets: secretValues(settings),
    sink: (line, level) =>
      level === 'warn' || level === 'error' ? console.error(line) : console.log(line),
  });
  const now = () => Date.now();
  const kv = storeFromBindings(env, now);
  return {
    fetchOrigin: workersOriginFetch,
    codecs: workersCodecs,
    htmlEngine:
      settings.cloudflare.html_engine === 'htmlrewriter' ? nativeHtmlEngine : builtinHtmlEngine,
    connection: workersConnection,
    geo: workersGeo,
    log,
    now,
    monotonic: () => performance.now(),
    fetchUpstream: withUpstreamPolicy(workersUpstreamTransport),
    // Absent without a store binding: the features that need one stay off.
    ...(kv !== undefined ? { kv } : {}),
    waitUntil: (request, work) => {
      const logged = work.catch((error: unknown) =>
        log.warn('background work failed', { error: (error as Error).message }),
      );
      requestContexts.get(request)?.waitUntil(logged);
    },
  };
}
