/**
 * The Node implementation of the `fetchOrigin` service, on undici's dispatcher API.
 *
 * Why undici's `request` rather than global `fetch`: `fetch` decompresses bodies (the proxy must
 * pass the origin's bytes through untouched, and later decode them itself with a size cap) and
 * offers no connect / first-byte / between-bytes timeouts. undici's Agent has all three.
 */
import { Readable } from 'node:stream';
import { Agent } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { fetchFailureError } from '../core/fetch-failure.ts';
import type { OriginFetch, OriginFetchOptions } from '../core/services.ts';
import { nodeFetchError } from './fetch-failure.ts';
import { claimNodeBody, webBodyOf } from './node-bodies.ts';

/** Fields undici refuses to send itself; the core already strips hop-by-hop ones. */
const UNSENDABLE = ['expect', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade'];

export interface OriginFetcher {
  fetch: OriginFetch;
  close(): Promise<void>;
}

export function createOriginFetch(): OriginFetcher {
  const agents = new Map<string, Agent>();

  const agentFor = (options: OriginFetchOptions & { servername?: string }): Agent => {
    const { connectMs, firstByteMs, betweenBytesMs } = options.timeouts;
    const servername = options.connectAddress ? options.servername : undefined;
    const key = `${connectMs}/${firstByteMs}/${betweenBytesMs}/${options.verifyCertificate}/${servername ?? ''}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({
        connectTimeout: connectMs,
        headersTimeout: firstByteMs,
        bodyTimeout: betweenBytesMs,
        keepAliveTimeout: 4000,
        connect: {
          rejectUnauthorized: options.verifyCertificate,
          ...(servername ? { servername } : {}),
        },
      });
      agents.set(key, agent);
    }
    return agent;
  };

  const fetch: OriginFetch = async (request, options) => {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) {
      if (!UNSENDABLE.includes(name)) headers[name] = value;
    }
    const started = performance.now();
    let result;
    try {
      result = await agentFor({ ...options, servername: url.hostname }).request({
        // With an origin address, connect there; `Host` (and TLS SNI) keep the origin's name.
        origin: options.connectAddress ? `${url.protocol}//${options.connectAddress}` : url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers,
        body: request.body
          ? (claimNodeBody(request.body) ?? Readable.fromWeb(request.body as never))
          : null,
        signal: options.signal,
      });
    } catch (error) {
      // The client went away: not the origin's failure, and nobody is waiting for an answer.
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw nodeFetchError(error, 'origin', url.host);
    }
    const responseHeaders = toHeaders(result.headers);
    if (NULL_BODY_STATUSES.has(result.statusCode)) {
      // A web Response refuses a body with these statuses; there is none to read anyway (undici
      // ends it at once), and dumping it keeps the connection reusable.
      result.body.dump().catch(() => {});
      return new Response(null, { status: result.statusCode, headers: responseHeaders });
    }
    const { totalMs } = options.timeouts;
    if (totalMs > 0 && !isEventStream(responseHeaders)) {
      enforceDeadline(result.body, totalMs - (performance.now() - started), url, totalMs);
    }
    return new Response(webBodyOf(result.body), {
      status: result.statusCode,
      headers: responseHeaders,
    });
  };

  return {
    fetch,
    close: async () => {
      await Promise.all([...agents.values()].map((agent) => agent.close()));
      agents.clear();
    },
  };
}

/** Statuses whose responses never carry a body, and that a web `Response` refuses one for. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function isEventStream(headers: Headers): boolean {
  return /^\s*text\/event-stream\s*(;|$)/i.test(headers.get('content-type') ?? '');
}

/**
 * `proxy.max_response_ms`: the body errors once the whole response has taken longer (an origin
 * dripping a byte a second never trips the between-bytes timeout). The error reaches the client as
 * a cut-off response; the timer goes with the body.
 */
function enforceDeadline(body: Readable, remainingMs: number, url: URL, totalMs: number): void {
  const expire = () =>
    body.destroy(
      fetchFailureError({
        party: 'origin',
        kind: 'timeout',
        host: url.host,
        detail: `response not finished within ${totalMs} ms (proxy.max_response_ms)`,
      }),
    );
  if (remainingMs <= 0) return void queueMicrotask(expire);
  const timer = setTimeout(expire, remainingMs);
  timer.unref();
  body.once('close', () => clearTimeout(timer));
}

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.append(name, value);
  }
  return headers;
}
