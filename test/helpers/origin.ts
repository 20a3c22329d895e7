/** A real origin server on loopback whose behaviour each test scripts, recording what it saw. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface TestOrigin {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
  server: http.Server;
}

export type OriginHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/**
 * `handler` runs after the request body has been read completely, unless `streaming` is set, in
 * which case it runs at once with an empty body and owns `req`.
 */
export async function startOrigin(
  handler: OriginHandler,
  options: { streaming?: boolean } = {},
): Promise<TestOrigin> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const record: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.alloc(0),
    };
    seen.push(record);
    if (options.streaming) return handler(req, res, record.body);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      record.body = Buffer.concat(chunks);
      handler(req, res, record.body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An origin that answers every request with `origin saw <target>`. */
export function startEchoOrigin(): Promise<TestOrigin> {
  return startOrigin((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`origin saw ${req.url}`);
  });
}
