/**
 * The Node adapter: a strict HTTP/1.1 (or HTTPS) server around the core app.
 *
 * - Parsing: llhttp in strict mode (never `insecureHTTPParser`), `maxHeaderSize`, a header-count
 *   cap that rejects (Node's own `maxHeadersCount` silently drops extras), headers and request
 *   timeouts against slow clients, keep-alive.
 * - Streaming: bodies flow with backpressure; a client that disconnects aborts the request's
 *   signal, which cancels the origin fetch behind it.
 * - Shutdown: stop accepting, let in-flight requests finish within a deadline, then close the rest.
 * - One structured access-log line per request.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createApp, type App } from '../core/app.ts';
import { userAgentSignals } from '../core/device/device-signals.ts';
import { createConfiguredGeo } from '../core/geo/configured-geo.ts';
import type { Logger } from '../core/log.ts';
import { originTimeOf } from '../core/request-timing.ts';
import type { ClientConnection, PlatformServices } from '../core/services.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import { installNodeByteSearch } from './byte-search.ts';
import { installNodeByteStrings } from './byte-strings.ts';
import { nodeCodecs } from './codecs.ts';
import { openGeoDatabases } from './mmdb-geo.ts';
import { WorkPermits } from './work-permits.ts';
import { createOriginFetch } from './origin-fetch.ts';
import { BadRequestLine, toWebRequest, writeWebResponse } from './request-bridge.ts';
import { tunnelUpgrade } from './websocket-tunnel.ts';

export interface NodeServerOptions {
  settings: Settings;
  log: Logger;
  host?: string;
  port?: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface RunningServer {
  /** `http://127.0.0.1:8080` */
  url: string;
  port: number;
  /** Graceful: stops accepting, waits for in-flight requests up to the shutdown deadline. */
  close(): Promise<void>;
  server: http.Server;
}

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

export async function startNodeServer(options: NodeServerOptions): Promise<RunningServer> {
  const { settings, log } = options;
  const limits = settings.server;
  installNodeByteSearch();
  installNodeByteStrings();
  // Before anything listens: a geo database that cannot be read stops the start (named by key).
  const clientGeo = createConfiguredGeo(
    settings,
    settings.geo.mode === 'mmdb' ? await openGeoDatabases(settings.geo) : undefined,
  );
  const origin = createOriginFetch();
  const connections = new WeakMap<Request, ClientConnection>();
  const connectionOf = (request: Request) =>
    connections.get(request) ?? { remoteAddress: '', tls: false };
  const permits = new WorkPermits({
    permits: limits.max_active_pages,
    maxWaitMs: PAGE_MAX_WAIT_MS,
    stallMs: PAGE_STALL_MS,
    maxHoldMs: PAGE_MAX_HOLD_MS,
  });
  const services: PlatformServices = {
    fetchOrigin: origin.fetch,
    codecs: nodeCodecs,
    connection: connectionOf,
    geo: (request) => clientGeo(request, connectionOf(request)),
    deviceSignals: userAgentSignals,
    log,
    now: () => performance.now(),
    admit: (signal) => permits.acquire(signal),
  };
  const app = createApp(settings, services);
  const tls = options.tls !== undefined;

  const serverOptions: http.ServerOptions = {
    maxHeaderSize: limits.max_header_size,
    headersTimeout: limits.headers_timeout_ms,
    requestTimeout: limits.request_timeout_ms,
    keepAliveTimeout: limits.keep_alive_timeout_ms,
    // Node enforces the two timeouts above only when it sweeps connections (every 30 s by
    // default), which would let a slow-headers client hold a socket far longer than configured.
    connectionsCheckingInterval: Math.max(
      50,
      Math.min(
        1000,
        Math.floor(Math.min(limits.headers_timeout_ms, limits.request_timeout_ms) / 4),
      ),
    ),
    insecureHTTPParser: false,
    requireHostHeader: true,
    joinDuplicateHeaders: false,
  };
  const server: http.Server = tls
    ? https.createServer({ ...serverOptions, ...options.tls })
    : http.createServer(serverOptions);
  // Count headers ourselves so an excess is rejected rather than truncated.
  server.maxHeadersCount = 0;

  const inFlight = new Set<ServerResponse>();
  const tunnels = new Set<Socket>();
  let shuttingDown = false;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    void handle(app, req, res, {
      tls,
      log,
      maxHeaders: limits.max_headers_count,
      connections,
      closing: () => shuttingDown,
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    void tunnelUpgrade(app, req, socket, head, {
      tls,
      log,
      connections,
      settings,
      tunnels,
    });
  });

  // A publisher proxy is never a forward proxy: CONNECT is refused (Node would drop the socket
  // without a word), and logged like any request.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    log.info('request', {
      method: 'CONNECT',
      path: '(authority)',
      status: 405,
      bytes: 0,
      error: 'CONNECT refused',
    });
    socket.end(
      'HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n' +
        'Connection: close\r\nContent-Length: 0\r\n\r\n',
    );
  });

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    log.debug('rejected malformed request', { code: error.code ?? 'unknown' });
    if (!socket.writable) return socket.destroy();
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `${tls ? 'https' : 'http'}://${hostForUrl}:${address.port}`,
    port: address.port,
    server,
    close: async () => {
      if (shuttingDown) return;
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + limits.shutdown_timeout_ms;
      while (inFlight.size > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        server.closeIdleConnections();
      }
      if (inFlight.size > 0) {
        log.warn('shutdown deadline reached; closing remaining connections', {
          in_flight: inFlight.size,
        });
      }
      server.closeAllConnections();
      for (const socket of tunnels) socket.destroy();
      await closed;
      await origin.close();
    },
  };
}

interface HandleOptions {
  tls: boolean;
  log: Logger;
  maxHeaders: number;
  connections: WeakMap<Request, ClientConnection>;
  closing: () => boolean;
}

async function handle(app: App, req: IncomingMessage, res: ServerResponse, options: HandleOptions) {
  const started = performance.now();
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const abort = new AbortController();
  // 'close' before the response finished means the client went away: cancel the work behind it.
  res.once('close', () => {
    if (!res.writableFinished) abort.abort(new Error('client disconnected'));
  });

  let status = 0;
  // Body bytes handed to the connection, counted as they go, so a response cut off by an origin
  // failure or a client abort logs what was really sent, not 0 or the full size.
  const sent = { bytes: 0 };
  let request: Request | undefined;
  let failure: string | undefined;
  try {
    if (req.rawHeaders.length / 2 > options.maxHeaders) {
      status = 431;
      res.writeHead(431, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end('Request header fields too large\n');
      return;
    }
    try {
      request = toWebRequest(req, options.tls, abort.signal);
    } catch (error) {
      if (!(error instanceof BadRequestLine) && !(error instanceof TypeError)) throw error;
      status = 400;
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end('Bad request\n');
      return;
    }
    options.connections.set(request, {
      remoteAddress: req.socket.remoteAddress ?? '',
      tls: options.tls,
    });
    const response = await app(request);
    status = response.status;
    await writeWebResponse(res, response, options.closing() ? { connection: 'close' } : {}, sent);
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    if (!res.headersSent) {
      status = 500;
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('An internal error occurred\n');
    } else if (!res.destroyed) {
      res.destroy();
    }
  } finally {
    const origin = request ? originTimeOf(request) : undefined;
    options.log.info('request', {
      method,
      path,
      status,
      bytes: sent.bytes,
      total_ms: round(performance.now() - started),
      origin_ms: origin === undefined ? undefined : round(origin),
      aborted: abort.signal.aborted || undefined,
      error: failure,
    });
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
