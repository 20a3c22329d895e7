/**
 * Node `IncomingMessage` → web `Request`, and web `Response` → Node `ServerResponse`, with
 * backpressure on both bodies and cancellation when the client goes away.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { TsError } from '../core/errors.ts';
import { claimNodeBody, webBodyOf } from './node-bodies.ts';

const HOST_PATTERN = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/** A `URL`, or the 400 of the error mapping naming what could not be parsed. */
function parseUrl(text: string, what: string): URL {
  try {
    return new URL(text);
  } catch (error) {
    throw new TsError('bad_request', `${what} does not make a valid URL`, { cause: error });
  }
}

/**
 * Throws a `bad_request` `TsError` when the request target (or `Host`, whose port a URL must be
 * able to hold) cannot be a URL.
 */
export function toWebRequest(req: IncomingMessage, tls: boolean, signal: AbortSignal): Request {
  const target = req.url ?? '/';
  const host = req.headers.host;
  // The URL's authority only gives Request a valid absolute URL; core decides the real host.
  const base = `${tls ? 'https' : 'http'}://${host && HOST_PATTERN.test(host) ? host : 'invalid.localhost'}`;
  // The target is appended to the base, never resolved against it: `//host/x` resolved would be
  // a scheme-relative reference naming another host. Core normalises the path.
  let url: URL;
  if (target.startsWith('/')) url = parseUrl(`${base}${target}`, 'the Host header and target');
  else if (/^https?:\/\//i.test(target)) {
    const absolute = parseUrl(target, 'the absolute-form target'); // keep only path and query
    url = parseUrl(`${base}${absolute.pathname}${absolute.search}`, 'the Host header and target');
  } else {
    throw new TsError(
      'bad_request',
      'unsupported request target form (origin- or absolute-form only)',
    );
  }

  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2)
    headers.append(raw[i] as string, raw[i + 1] as string);

  const method = req.method ?? 'GET';
  const hasBody =
    method !== 'GET' &&
    method !== 'HEAD' &&
    (req.headers['transfer-encoding'] !== undefined ||
      Number(req.headers['content-length'] ?? '0') > 0);
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal };
  if (hasBody) {
    init.body = webBodyOf(req);
    init.duplex = 'half';
  }
  return new Request(url, init);
}

/**
 * Streams `response` into `res`. Resolves with the number of body bytes written. If the body
 * errors after headers went out, the connection is destroyed so the client sees a truncated
 * response (no terminal chunk) rather than a clean, silently short one.
 */
export async function writeWebResponse(
  res: ServerResponse,
  response: Response,
  extraHeaders: Record<string, string> = {},
  sent: { bytes: number } = { bytes: 0 },
): Promise<number> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    if (name === 'set-cookie') continue;
    headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  Object.assign(headers, extraHeaders);
  res.writeHead(response.status, headers);

  if (!response.body) {
    res.end();
    return 0;
  }
  const node = claimNodeBody(response.body);
  if (node) {
    // A body still arriving (the origin's, or its transcode): the headers go now, not with the
    // first body byte as Node would send them, so a slow origin's status reaches the browser
    // as soon as it is known.
    res.flushHeaders();
    return pipeNodeBody(node, res, sent);
  }
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const onClose = () => {
    if (!res.writableFinished)
      reader.cancel(new Error('client closed the connection')).catch(() => {});
  };
  res.once('close', onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) break;
      sent.bytes += value.byteLength;
      if (!res.write(value)) await drained(res);
    }
    if (!res.destroyed) res.end();
  } catch (error) {
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    res.off('close', onClose);
  }
  return sent.bytes;
}

/** {@link writeWebResponse} for a body that is a Node Readable underneath: piped natively. */
function pipeNodeBody(
  body: Readable,
  res: ServerResponse,
  sent: { bytes: number },
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onBodyClose);
      res.off('drain', onDrain);
      res.off('close', onClientClose);
      // Destroying the body (client gone) emits its error later: it must find a listener.
      body.on('error', () => {});
    };
    const onData = (chunk: Buffer) => {
      sent.bytes += chunk.byteLength;
      if (!res.write(chunk)) body.pause();
    };
    const onDrain = () => body.resume();
    const onEnd = () => {
      cleanup();
      if (!res.destroyed) res.end();
      resolve(sent.bytes);
    };
    const onError = (error: Error) => {
      cleanup();
      // Headers are out: the client must see a cut-off response, not a clean, short one.
      res.destroy(error);
      reject(error);
    };
    const onBodyClose = () => {
      if (!body.readableEnded) onError(new Error('the body closed before its end'));
    };
    const onClientClose = () => {
      if (res.writableFinished) return;
      cleanup();
      body.destroy(new Error('client closed the connection'));
      resolve(sent.bytes);
    };
    if (body.errored) return onError(body.errored);
    if (body.destroyed) return onError(new Error('the body closed before its end'));
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    body.once('close', onBodyClose);
    res.on('drain', onDrain);
    res.once('close', onClientClose);
  });
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
