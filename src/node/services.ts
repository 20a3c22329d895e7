/**
 * Every platform capability the Node adapter gives core, built in one place: the origin and
 * third-party fetchers, compression, the client connection, geo, the store, background work, the
 * clocks, the page permits and the faster byte primitives. `close()` releases what they hold, after the server has stopped.
 */
import type { Ja4Support } from '../core/identity/bot-gate.ts';
import { userAgentSignals } from '../core/device/device-signals.ts';
import { createConfiguredGeo } from '../core/geo/configured-geo.ts';
import type { Logger } from '../core/log.ts';
import type { ClientConnection, PlatformServices } from '../core/services.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import type { KvStore } from '../core/store/kv.ts';
import { BackgroundWork } from './background-work.ts';
import { nodeBytePrimitives } from './byte-primitives.ts';
import { nodeCodecs } from './codecs.ts';
import { openGeoDatabases } from './mmdb-geo.ts';
import { createOriginFetch } from './origin-fetch.ts';
import { openRateLimiter, openStore } from './stores/open-store.ts';
import { createUpstreamFetch } from './upstream-fetch.ts';
import { WorkPermits } from './work-permits.ts';

/** Node sees no TLS fingerprint (it would have to parse the ClientHello itself). */
export const NODE_JA4_SUPPORT: Ja4Support = 'never';

/**
 * A rewritten page waits at most this long for a permit (`[server] max_active_pages`): past it the
 * server is overloaded, and a longer queue would only add to the reader's wait.
 */
const PAGE_MAX_WAIT_MS = 1000;
/** A page that waits this long on its origin or its reader gives its permit up. */
const PAGE_STALL_MS = 100;
/**
 * A page gives its permit up after this long in any case. Under a full queue a page of the
 * fixture's size holds one for ~40 ms; one that streams for seconds must not block the others.
 */
const PAGE_MAX_HOLD_MS = 500;

export interface NodeServices {
  services: PlatformServices;
  /** The server records each request's connection here; `services.connection` reads it. */
  connections: WeakMap<Request, ClientConnection>;
  background: BackgroundWork;
  /** Waits for background work until `deadline` (epoch ms), then closes pools and the store. */
  close(deadline: number): Promise<void>;
}

export interface NodeServiceOptions {
  /** A store to use instead of the one `[store]` names (tests); the rate limiter is then in process. */
  kv?: KvStore;
}

export async function createNodeServices(
  settings: Settings,
  log: Logger,
  options: NodeServiceOptions = {},
): Promise<NodeServices> {
  // Before anything listens: a geo database or a store that cannot be read stops the start.
  const clientGeo = createConfiguredGeo(
    settings,
    settings.geo.mode === 'mmdb' ? await openGeoDatabases(settings.geo) : undefined,
  );
  const kv = options.kv ?? (await openStore(settings.store, log));
  let rateLimiter: Awaited<ReturnType<typeof openRateLimiter>>;
  try {
    rateLimiter = await openRateLimiter(
      options.kv === undefined ? settings.store : { ...settings.store, url: undefined },
      log,
    );
  } catch (error) {
    await kv.close();
    throw error;
  }
  const origin = createOriginFetch();
  const upstream = createUpstreamFetch();
  const background = new BackgroundWork(log);
  const connections = new WeakMap<Request, ClientConnection>();
  const connectionOf = (request: Request): ClientConnection =>
    connections.get(request) ?? { remoteAddress: '', tls: false };
  const permits = new WorkPermits({
    permits: settings.server.max_active_pages,
    maxWaitMs: PAGE_MAX_WAIT_MS,
    stallMs: PAGE_STALL_MS,
    maxHoldMs: PAGE_MAX_HOLD_MS,
  });
  const services: PlatformServices = {
    fetchOrigin: origin.fetch,
    fetchUpstream: upstream.fetch,
    codecs: nodeCodecs,
    connection: connectionOf,
    geo: (request) => clientGeo(request, connectionOf(request)),
    deviceSignals: userAgentSignals,
    ja4Support: NODE_JA4_SUPPORT,
    kv,
    rateLimiter: rateLimiter.limiter,
    waitUntil: (_request, work) => background.add(work),
    log,
    now: () => Date.now(),
    monotonic: () => performance.now(),
    admit: (signal) => permits.acquire(signal),
    bytes: nodeBytePrimitives,
  };
  return {
    services,
    connections,
    background,
    close: async (deadline) => {
      const left = await background.drain(deadline);
      if (left > 0) log.warn('shutdown deadline reached; abandoning background work', { left });
      await Promise.all([
        origin.close(),
        upstream.close(deadline),
        kv.close(),
        rateLimiter.close(),
      ]);
    },
  };
}
