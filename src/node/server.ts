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
import { toTsError, TsError } from '../core/errors.ts';
import { loggablePath } from '../core/http/loggable-path.ts';
import type { Logger } from '../core/log.ts';
import { logError } from '../core/log-error.ts';
import { originTimeOf } from '../core/request-timing.ts';
import type { ClientConnection, PlatformServices } from '../core/services.ts';
import type { KvStore } from '../core/store/kv.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import { createNodeServices } from './services.ts';
import { errorCodeOf, nodeFetchError } from './fetch-failure.ts';
import { writeRawResponse } from './raw-response.ts';
import { toWebRequest, writeWebResponse } from './request-bridge.ts';
import { tunnelUpgrade } from './websocket-tunnel.ts';

export interface NodeServerOptions {
  settings: Settings;
  log: Logger;
  host?: string;
  port?: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** A store instead of the one `[store]` names (tests). */
  kv?: KvStore;
}

export interface RunningServer {
  /** `http://127.0.0.1:8080` */
  url: string;
  port: number;
  /** Graceful: stops accepting, waits for in-flight requests up to the shutdown deadline. */
  close(): Promise<void>;
  server: http.Server;
  /** What the store guarantees, for the start-up line: `sqlite (cas, ttl, consistent)`. */
  store: string;
}

export async function startNodeServer(options: NodeServerOptions): Promise<RunningServer> {
  const { settings, log } = options;
  const limits = settings.server;
  const platform = await createNodeServices(settings, log, options.kv ? { kv: options.kv } : {});
  const { services, connections } = platform;
  const app = createApp(settings, services);
  const tls = options.tls !== undefined;
  const originHost = new URL(settings.publisher.origin_url).host;

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
      originHost,
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
    const refused = new TsError('method_not_allowed', 'CONNECT refused: not a forward proxy', {
      headers: { allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' },
    });
    const response = app.fail(refused, { method: 'CONNECT', path: '(authority)' });
    log.info('request', {
      method: 'CONNECT',
      path: '(authority)',
      status: response.status,
      bytes: 0,
      error: refused.code,
    });
    void writeRawResponse(socket, response);
  });

  // What llhttp refused before there was a request: answered through the same error mapping.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      log.debug('client connection error', { code: error.code ?? 'unknown' });
      return socket.destroy();
    }
    const refused = parserRefusal(error);
    void writeRawResponse(socket, app.fail(refused));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // A port in use must not leave the store's connections holding the process open.
    await platform.close(Date.now());
    throw error;
  }
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `${tls ? 'https' : 'http'}://${hostForUrl}:${address.port}`,
    port: address.port,
    server,
    store: describeStore(services),
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
      await platform.close(deadline);
    },
  };
}

/** A request Node's parser (llhttp) or its timers refused, as the error mapping's error. */
function parserRefusal(error: NodeJS.ErrnoException): TsError {
  const detail = `HTTP parser refused the request: ${error.code ?? error.message}`;
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new TsError('header_fields_too_large', `${detail} (server.max_header_size)`);
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new TsError(
      'request_timeout',
      `${detail} (server.headers_timeout_ms or request_timeout_ms)`,
    );
  }
  return new TsError('bad_request', detail);
}

interface HandleOptions {
  tls: boolean;
  log: Logger;
  maxHeaders: number;
  /** For mid-body failures, which come from the origin's response. */
  originHost: string;
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
  // Errors before any header went out (a request that makes no `Request`, a response Node cannot
  // write): the error mapping's response, and the connection closes (the request may not have
  // been read to its end).
  const refuse = async (error: TsError) => {
    failure = error.code;
    const response = app.fail(error, { request, method, path });
    status = response.status;
    await writeWebResponse(res, response, { connection: 'close' }, sent);
  };
  try {
    const count = req.rawHeaders.length / 2;
    if (count > options.maxHeaders) {
      return await refuse(
        new TsError(
          'header_fields_too_large',
          `${count} header fields, over server.max_headers_count (${options.maxHeaders})`,
        ),
      );
    }
    // A target or Host that makes no URL throws the mapping's 400, answered below.
    request = toWebRequest(req, options.tls, abort.signal);
    options.connections.set(request, {
      remoteAddress: req.socket.remoteAddress ?? '',
      tls: options.tls,
    });
    const response = await app(request);
    status = response.status;
    await writeWebResponse(res, response, options.closing() ? { connection: 'close' } : {}, sent);
  } catch (thrown) {
    if (!res.headersSent && !res.destroyed) {
      await refuse(toTsError(thrown)).catch(() => res.destroy());
    } else {
      // Headers are out: the client gets a cut-off response (writeWebResponse destroyed it); the
      // log gets the cause. Bodies that fail here are the origin's (or decoded from it).
      // (A TsError has a code too, and nodeFetchError returns it as it is.)
      const error =
        errorCodeOf(thrown) === undefined
          ? toTsError(thrown)
          : nodeFetchError(thrown, 'origin', options.originHost, 'body');
      failure = error.code;
      logError(options.log, error, { method, path, abandoned: abort.signal.aborted });
      if (!res.destroyed) res.destroy();
    }
  } finally {
    const origin = request ? originTimeOf(request) : undefined;
    options.log.info('request', {
      method,
      path: loggablePath(path),
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

function describeStore(services: PlatformServices): string {
  const kv = services.kv;
  if (kv === undefined) return 'none';
  const flags = Object.entries(kv.capabilities)
    .map(([name, held]) => (held ? name : `no ${name}`))
    .join(', ');
  return `${kv.kind} (${flags}); rate limits per ${services.rateLimiter?.scope ?? 'none'}`;
}
