/**
 * `Upgrade: websocket` on Node: core decides (auth, host, headers); this file moves bytes.
 * The origin's `101 Switching Protocols` and every frame after it pass through untouched.
 */
import type { IncomingMessage } from 'node:http';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import type { App } from '../core/app.ts';
import type { Logger } from '../core/log.ts';
import type { ClientConnection } from '../core/services.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
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
  client.once('close', () => {
    options.tunnels.delete(client);
    options.log.info('request', {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      status,
      bytes: client.bytesWritten - bytesBefore,
      total_ms: Math.round((performance.now() - started) * 10) / 10,
      upgrade: req.headers.upgrade ?? '',
    });
  });
  let request: Request;
  try {
    request = toWebRequest(req, options.tls, new AbortController().signal);
  } catch {
    status = 400;
    client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  options.connections.set(request, {
    remoteAddress: req.socket.remoteAddress ?? '',
    tls: options.tls,
  });
  const plan = await app.upgrade(request);
  if (plan.kind === 'refuse') {
    status = plan.response.status;
    const body = Buffer.from(await plan.response.text());
    const lines = [`HTTP/1.1 ${plan.response.status} ${statusText(plan.response.status)}`];
    for (const [name, value] of plan.response.headers) lines.push(`${name}: ${value}`);
    lines.push(`content-length: ${body.byteLength}`, 'connection: close', '', '');
    client.end(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]));
    return;
  }

  const { url, headers } = plan;
  // Core builds the target from the configured origin; a raw socket is checked once more anyway,
  // since a tunnel is the one place where a wrong host would be a TCP pipe into the network.
  if (url.origin !== new URL(options.settings.publisher.origin_url).origin) {
    status = 400;
    client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
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
        servername: url.hostname,
        rejectUnauthorized: options.settings.proxy.certificate_check,
      })
    : net.connect({ host: connectHost, port });
  upstream.setTimeout(options.settings.proxy.connect_timeout_ms, () => {
    options.log.warn('websocket origin connect timeout', { host: url.host });
    upstream.destroy();
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
    options.log.warn('websocket tunnel error', { host: url.host, error: error.message });
    if (!client.destroyed && client.bytesWritten === bytesBefore) {
      status = 502;
      client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } else client.destroy();
  });
  // Sockets are half-open capable; a WebSocket has no use for half-close, so an end from either
  // side finishes ours too and the connection closes once both directions are done.
  client.once('end', () => client.end());
  upstream.once('end', () => upstream.end());
  upstream.on('close', () => client.destroy());
  client.on('close', () => upstream.destroy());
}

function statusText(status: number): string {
  return status === 401 ? 'Unauthorized' : status === 400 ? 'Bad Request' : 'Error';
}
