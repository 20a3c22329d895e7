/**
 * One request on a fresh connection, timed by phase the way curl's `-w` does: DNS lookup, TCP
 * connect, TLS handshake, first response byte (TTFB) and last body byte, each in ms from the start.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

export interface RequestSpec {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Timing {
  status: number;
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  ttfbMs: number;
  totalMs: number;
  bytes: number;
}

export function timedRequest(url: URL, spec: RequestSpec = {}, timeoutMs = 30000): Promise<Timing> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const since = () => performance.now() - start;
    let dnsMs = 0;
    let connectMs = 0;
    let tlsMs = 0;
    const request = client.request(
      url,
      {
        method: spec.method ?? 'GET',
        headers: spec.headers,
        agent: false,
        timeout: timeoutMs,
      },
      (response) => {
        const ttfbMs = since();
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            dnsMs,
            connectMs,
            tlsMs,
            ttfbMs,
            totalMs: since(),
            bytes,
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('socket', (socket: Socket) => {
      socket.once('lookup', () => (dnsMs = since()));
      socket.once('connect', () => (connectMs = since()));
      socket.once('secureConnect', () => (tlsMs = since()));
    });
    request.on('timeout', () =>
      request.destroy(new Error(`${url.href}: no answer in ${timeoutMs} ms`)),
    );
    request.on('error', reject);
    request.end(spec.body);
  });
}
