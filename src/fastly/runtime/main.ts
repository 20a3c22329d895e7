/**
 * The Fastly Compute entry: `js-compute-runtime` turns the bundle of this module into the Wasm.
 *
 * Top-level code runs once, at build time (the runtime snapshots the initialised module), so only
 * what needs no host call happens here. Per sandbox, the first request reads the Secret Store and
 * Config Store and builds the app (app-cache.ts); with reusable sandboxes later requests share it.
 */
import { env } from 'fastly:env';
import { setReusableSandboxOptions } from 'fastly:experimental';
import { getGeolocationForIpAddress } from 'fastly:geolocation';
import { HTMLRewritingStream } from 'fastly:html-rewriter';
import { createApp, type App } from '../../core/app.ts';
import { builtinHtmlEngine } from '../../core/html/index.ts';
import { createLogger, type Logger, type LogLevel } from '../../core/log.ts';
import { serveSafely } from '../../core/serve-safely.ts';
import type { ClientConnection, PlatformServices } from '../../core/services.ts';
import { secretValues } from '../../core/settings/placeholders.ts';
import { withUpstreamPolicy } from '../../core/upstream/upstream-fetch.ts';
import { withoutBrotli } from '../accept-encoding.ts';
import { createAppCache } from '../app-cache.ts';
import {
  connectionOf,
  deviceSignalsOfClient,
  ensureSignal,
  safeGeoLookup,
  type FastlyClient,
} from '../client-info.ts';
import { fastlyCodecs } from '../codecs.ts';
import { fastlyHtmlEngine } from '../html-engine.ts';
import type { EmbeddedSettings } from '../settings/embedded.ts';
import { resolveSettings } from '../settings/resolve.ts';
import { fastlyOriginFetch } from './origin-fetch.ts';
import { fastlyUpstreamTransport } from './upstream-fetch.ts';
import { openKv } from './kv.ts';
import { openRateLimiter } from './rate-limiter.ts';
import { readStores } from './stores.ts';

/** Inlined by src/build/fastly-package.ts (esbuild `define`): the validated config, secrets removed. */
declare const TRUSTED_SERVER_EMBEDDED: EmbeddedSettings;

interface FetchEvent {
  readonly request: Request;
  readonly client: FastlyClient;
  respondWith(response: Response | Promise<Response>): void;
  /** Keeps the sandbox alive for work after the response. */
  waitUntil(promise: Promise<unknown>): void;
}

interface FastlyGlobal {
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

/** How long a sandbox keeps one app before re-reading the stores. */
const APP_TTL_MS = 60_000;

const embedded = TRUSTED_SERVER_EMBEDDED;
const connections = new WeakMap<Request, ClientConnection>();
const events = new WeakMap<Request, FetchEvent>();
const clients = new WeakMap<Request, FastlyClient>();

function consoleLogger(level: LogLevel, secrets: readonly string[] = []): Logger {
  return createLogger({
    level,
    secrets,
    // Fastly's log tail shows stdout and stderr; a named endpoint needs `fastly:logger`.
    sink: (line, lineLevel) =>
      lineLevel === 'warn' || lineLevel === 'error' ? console.error(line) : console.log(line),
  });
}

const bootLog = consoleLogger('info');

const htmlEngine = fastlyHtmlEngine(() => new HTMLRewritingStream(), builtinHtmlEngine);

async function buildApp(): Promise<App> {
  const settings = resolveSettings(embedded, await readStores(embedded));
  const log = consoleLogger(settings.logging.level, secretValues(settings));
  const services: PlatformServices = {
    fetchOrigin: fastlyOriginFetch,
    codecs: fastlyCodecs,
    htmlEngine,
    connection: (request) => connections.get(request) ?? { remoteAddress: '', tls: true },
    geo: (request) =>
      safeGeoLookup(getGeolocationForIpAddress, connections.get(request)?.remoteAddress ?? ''),
    deviceSignals: (request) =>
      deviceSignalsOfClient(clients.get(request), request.headers.get('user-agent')),
    log,
    requestId: traceId,
    now: () => Date.now(),
    monotonic: () => performance.now(),
    fetchUpstream: withUpstreamPolicy(fastlyUpstreamTransport),
    kv: openKv(embedded, log),
    rateLimiter: openRateLimiter(),
    waitUntil: (request, work) => {
      const event = events.get(request);
      const logged = work.catch((error: unknown) =>
        log.warn('background work failed', { error: (error as Error).message }),
      );
      if (event) event.waitUntil(logged);
    },
  };
  return createApp(settings, services);
}

const apps = createAppCache(buildApp, APP_TTL_MS, () => Date.now());

/** Fastly's id for the request being handled (one at a time per sandbox), as in its own logs. */
function traceId(): string | undefined {
  return env('FASTLY_TRACE_ID') || undefined;
}

function handle(event: FetchEvent): Promise<Response> {
  const request = ensureSignal(withoutBrotliRequest(event.request));
  connections.set(request, connectionOf(event.client, request.url));
  clients.set(request, event.client);
  events.set(request, event);
  return serveSafely(request, { appFor: () => apps.get(), log: bootLog, requestId: traceId() });
}

/** See accept-encoding.ts: brotli is neither decodable nor encodable here. */
function withoutBrotliRequest(request: Request): Request {
  const acceptEncoding = withoutBrotli(request.headers.get('accept-encoding'));
  if (acceptEncoding === null) return request;
  try {
    request.headers.set('accept-encoding', acceptEncoding);
    return request;
  } catch {
    // Immutable headers: copy the request (the body stream moves with it).
    const headers = new Headers(request.headers);
    headers.set('accept-encoding', acceptEncoding);
    return new Request(request, { headers });
  }
}

// Sandboxes serve many requests (one at a time) before they are recycled; the app is rebuilt
// from the stores at most every APP_TTL_MS.
setReusableSandboxOptions({ maxRequests: 0, betweenRequestTimeoutMs: 30_000 });

(globalThis as unknown as FastlyGlobal).addEventListener('fetch', (event) => {
  event.respondWith(handle(event));
});
