/**
 * A web `Response` written onto a bare socket, for the answers Node's HTTP server leaves to us
 * outside any `ServerResponse`: refused upgrades and CONNECTs, parser errors, a tunnel whose
 * origin failed. The connection closes after it: none of these sockets can carry a next request.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

export async function writeRawResponse(socket: Socket, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  if (socket.destroyed || !socket.writable) return;
  const reason = STATUS_CODES[response.status] ?? 'Error';
  const lines = [`HTTP/1.1 ${response.status} ${reason}`];
  for (const [name, value] of response.headers) {
    if (name === 'content-length' || name === 'connection' || name === 'transfer-encoding')
      continue;
    lines.push(`${name}: ${value}`);
  }
  lines.push(`content-length: ${body.byteLength}`, 'connection: close', '', '');
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]));
}
