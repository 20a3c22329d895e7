/**
 * PlatformServices from Fastly Compute: its fetch through named backends, its compression, the
 * client connection and geolocation from the event's client, the JA4/HTTP/2 device signals, the
 * KV Store and edge rate limiter, `event.waitUntil`, and log lines to stdout/stderr (Fastly's log
 * tail shows them). What the services need of each request's event is recorded here by
 * {@link recordRequest} before the app sees the request.
 */
import { env } from 'fastly:env';
import { getGeolocationForIpAddress } from 'fastly:geolocation';
import { HTMLRewritingStream } from 'fastly:html-rewriter';
import { keepAlive } from '../../core/background.ts';
import { builtinHtmlEngine } from '../../core/html/index.ts';
import { consoleSink, createLogger, type Logger, type LogLevel } from '../../core/log.ts';
import type { ClientConnection, PlatformServices } from '../../core/services.ts';
import { secretValues } from '../../core/settings/placeholders.ts';
import type { Settings } from '../../core/settings/settings-schema.ts';
import { withUpstreamPolicy } from '../../core/upstream/upstream-fetch.ts';
import {
  connectionOf,
  deviceSignalsOfClient,
  safeGeoLookup,
  type FastlyClient,
} from '../client-info.ts';
import { fastlyCodecs } from '../codecs.ts';
import { fastlyHtmlEngine } from '../html-engine.ts';
import type { FastlyEmbeddedSettings } from '../settings/embedded.ts';
import { openFastlyKeyStore } from './keystore.ts';
import { openKv } from './kv.ts';
import { fastlyOriginFetch } from './origin-fetch.ts';
import { openRateLimiter } from './rate-limiter.ts';
import { fastlyUpstreamTransport } from './upstream-fetch.ts';

export interface FetchEvent {
  readonly request: Request;
  readonly client: FastlyClient;
  respondWith(response: Response | Promise<Response>): void;
  /** Keeps the sandbox alive for work after the response. */
  waitUntil(promise: Promise<unknown>): void;
}

const connections = new WeakMap<Request, ClientConnection>();
const events = new WeakMap<Request, FetchEvent>();

/** Remembers `event` for `request` (the request the app will see, maybe a copy of the event's). */
export function recordRequest(request: Request, event: FetchEvent): void {
  connections.set(request, connectionOf(event.client, request.url));
  events.set(request, event);
}

export function consoleLogger(level: LogLevel, secrets: readonly string[] = []): Logger {
  return createLogger({
    level,
    secrets,
    // Fastly's log tail shows stdout and stderr; a named endpoint needs `fastly:logger`.
    sink: consoleSink,
  });
}

/** Fastly's id for the request being handled (one at a time per sandbox), as in its own logs. */
export function traceId(): string | undefined {
  return env('FASTLY_TRACE_ID') || undefined;
}

// Built at module initialisation (no host call), so the snapshot carries it.
const htmlEngine = fastlyHtmlEngine(() => new HTMLRewritingStream(), builtinHtmlEngine);

export function fastlyServices(
  settings: Settings,
  embedded: FastlyEmbeddedSettings,
): PlatformServices {
  const log = consoleLogger(settings.logging.level, secretValues(settings));
  const connection = (request: Request): ClientConnection =>
    connections.get(request) ?? { remoteAddress: '', tls: true };
  return {
    fetchOrigin: fastlyOriginFetch,
    codecs: fastlyCodecs,
    htmlEngine,
    connection,
    geo: (request) => safeGeoLookup(getGeolocationForIpAddress, connection(request).remoteAddress),
    ja4Support: 'always',
    deviceSignals: (request) =>
      deviceSignalsOfClient(events.get(request)?.client, request.headers.get('user-agent')),
    log,
    requestId: traceId,
    now: () => Date.now(),
    monotonic: () => performance.now(),
    fetchUpstream: withUpstreamPolicy(fastlyUpstreamTransport),
    kv: openKv(embedded, log),
    keystore: openFastlyKeyStore(settings),
    rateLimiter: openRateLimiter(),
    waitUntil: (request, work) => {
      const event = events.get(request);
      keepAlive(log, work, event && ((logged) => event.waitUntil(logged)));
    },
  };
}
