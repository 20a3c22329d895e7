/**
 * `Upgrade: websocket` on Node: core decides (auth, host, headers); this file moves bytes.
 * The origin's `101 Switching Protocols` and every frame after it pass through untouched.
 */
import type { IncomingMessage } from 'node:http';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { loggablePath } from '../core/http/loggable-path.ts';
import type { App } from '../core/app.ts';
import { TsError } from '../core/errors.ts';
import { fetchFailureError } from '../core/fetch-failure.ts';
import { logError } from '../core/log-error.ts';
import type { Logger } from '../core/log.ts';
import type { ClientConnection } from '../core/services.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import { nodeFetchError } from './fetch-failure.ts';
import { writeRawResponse } from './raw-response.ts';
import { toWebRequest } from './request-bridge.ts';

interface TunnelOptions {
  tls: boolean;
  log: Logger;
  connections: WeakMap<Request, ClientConnection>;
  settings: Settings;
  /** Open tunnels, so shutdown can close them (they have no natural end). */
  tunnels: Set<Socket>;
}

export async function tunnelUpgrade(
  app: App,
  req: IncomingMessage,
  client: Socket,
  head: Buffer,
  options: TunnelOptions,
): Promise<void> {
  client.on('error', () => client.destroy());
  options.tunnels.add(client);
  const started = performance.now();
  // One access-log line per upgrade, when the connection ends: the status the client got (the
  // origin's, 101 for an open tunnel) and the bytes it was sent.
  let status = 0;
  const bytesBefore = client.bytesWritten;
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  client.once('close', () => {
    options.tunnels.delete(client);
    options.log.info('request', {
      method,
      path: loggablePath(path),
      status,
      bytes: client.bytesWritten - bytesBefore,
      total_ms: Math.round((performance.now() - started) * 10) / 10,
      upgrade: req.headers.upgrade ?? '',
    });
  });
  // Every refusal and failure before the origin answers goes through the app's error mapping.
  let refusing = false;
  const refuse = (response: Response) => {
    refusing = true;
    status = response.status;
    void writeRawResponse(client, response);
  };
  let request: Request;
  try {
    request = toWebRequest(req, options.tls, new AbortController().signal);
  } catch (error) {
    return refuse(app.fail(error, { method, path }));
  }
  options.connections.set(request, {
    remoteAddress: req.socket.remoteAddress ?? '',
    tls: options.tls,
  });
  const plan = await app.upgrade(request);
  if (plan.kind === 'refuse') return refuse(plan.response);

  const { url, headers } = plan;
  // Core builds the target from the configured origin; a raw socket is checked once more anyway,
  // since a tunnel is the one place where a wrong host would be a TCP pipe into the network.
  if (url.origin !== new URL(options.settings.publisher.origin_url).origin) {
    const detail = 'tunnel target would leave the configured origin';
    return refuse(app.fail(new TsError('bad_request', detail), { request, path }));
  }
  const secure = url.protocol === 'https:';
  const address = options.settings.proxy.origin_address;
  const cut = address ? address.lastIndexOf(':') : -1;
  const connectHost = address ? address.slice(0, cut).replace(/^\[|\]$/g, '') : url.hostname;
  const port = address ? Number(address.slice(cut + 1)) : Number(url.port || (secure ? 443 : 80));
  const upstream: Socket = secure
    ? tls.connect({
        host: connectHost,
        port,
        // SNI carries names only (RFC 6066): an origin addressed by IP gets none.
        ...(net.isIP(url.hostname) ? {} : { servername: url.hostname }),
        rejectUnauthorized: options.settings.proxy.certificate_check,
      })
    : net.connect({ host: connectHost, port });
  const connectMs = options.settings.proxy.connect_timeout_ms;
  upstream.setTimeout(connectMs, () => {
    upstream.destroy(
      fetchFailureError({
        party: 'origin',
        kind: 'timeout',
        host: url.host,
        detail: `websocket connect not done within ${connectMs} ms (proxy.connect_timeout_ms)`,
      }),
    );
  });
  upstream.once(secure ? 'secureConnect' : 'connect', () => {
    upstream.setTimeout(0);
    const lines = [`${req.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1`];
    for (const [name, value] of headers) lines.push(`${name}: ${value}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    if (head.byteLength > 0) upstream.write(head);
    upstream.once('data', (chunk: Buffer) => {
      status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(chunk.toString('latin1', 0, 16))?.[1] ?? 0);
    });
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', (error) => {
    const failure = nodeFetchError(error, 'origin', url.host);
    if (!client.destroyed && client.bytesWritten === bytesBefore) {
      // Nothing of the origin's reached the client yet: it gets the mapped error response.
      refuse(app.fail(failure, { request, path }));
    } else {
      // Mid-tunnel: the connection just ends; the log line says why (no response to build).
      logError(options.log, failure, { method: request.method, path });
      client.destroy();
    }
  });
  // Sockets are half-open capable; a WebSocket has no use for half-close, so an end from either
  // side finishes ours too and the connection closes once both directions are done.
  client.once('end', () => client.end());
  upstream.once('end', () => upstream.end());
  // A refusal being written ends the client itself once it is out.
  upstream.on('close', () => {
    if (!refusing) client.destroy();
  });
  client.on('close', () => upstream.destroy());
}
