/**
 * The Fastly Compute entry: `js-compute-runtime` turns the bundle of this module into the Wasm.
 *
 * Top-level code runs once, at build time (the runtime snapshots the initialised module), so only
 * what needs no host call happens here. Per sandbox, the first request reads the Secret Store and
 * Config Store and builds the app (src/edge/app-cache.ts); with reusable sandboxes later requests
 * share it, and Config Store changes reach a long-lived sandbox within APP_TTL_MS.
 */
import { setReusableSandboxOptions } from 'fastly:experimental';
import { createApp, type App } from '../../core/app.ts';
import { serveSafely } from '../../core/serve-safely.ts';
import { createAppCache } from '../../edge/app-cache.ts';
import { withoutBrotli } from '../accept-encoding.ts';
import { ensureSignal } from '../client-info.ts';
import type { FastlyEmbeddedSettings } from '../settings/embedded.ts';
import { resolveFastlySettings } from '../settings/resolve.ts';
import {
  consoleLogger,
  fastlyServices,
  recordRequest,
  traceId,
  type FetchEvent,
} from './services.ts';
import { readStores } from './stores.ts';

/** Inlined by src/build/fastly-package.ts (esbuild `define`), in the shared edge format. */
declare const TRUSTED_SERVER_EMBEDDED: FastlyEmbeddedSettings;

interface FastlyGlobal {
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

/** How long a sandbox keeps one app before re-reading the stores. */
const APP_TTL_MS = 60_000;

const embedded = TRUSTED_SERVER_EMBEDDED;
const bootLog = consoleLogger('info');

async function buildApp(): Promise<App> {
  const { settings, warning } = resolveFastlySettings(embedded, await readStores(embedded));
  const services = fastlyServices(settings, embedded);
  if (warning !== undefined) services.log.warn(warning);
  return createApp(settings, services);
}

const apps = createAppCache<void, App>(buildApp, {
  ttlMs: APP_TTL_MS,
  onStaleRebuildError: (error) =>
    bootLog.warn('rebuilding the app failed; the previous one keeps serving', {
      error: error instanceof Error ? error.message : String(error),
    }),
});

function handle(event: FetchEvent): Promise<Response> {
  const request = ensureSignal(withoutBrotliRequest(event.request));
  recordRequest(request, event);
  return serveSafely(request, { appFor: () => apps.get(), log: bootLog, requestId: traceId });
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
