/**
 * Requests to third parties (bidders, sync partners, creative hosts, vendor scripts), with the
 * rules every one of them follows whatever the platform, applied here once:
 *
 * - a deadline for the whole exchange, headers and body: past it the request is aborted and the
 *   call fails as `upstream_timeout` (an auction's budget is a wall clock);
 * - redirects are never followed: a 3xx comes back as it is, for the caller to judge (a redirect
 *   is how an allow-listed host sends a proxy somewhere it must not go);
 * - a cap on the body: a declared `Content-Length` over it fails before the body is read, a body
 *   that grows past it errors mid-stream — never a silently cut "success";
 * - only http(s), no credentials in the URL, and never the reader's cookies or credentials: the
 *   `Cookie`, `Authorization` and `Proxy-Authorization` headers are removed, and only what the
 *   caller passes as an option goes out (the one cookie it may forward, the server's own
 *   credential for the third party).
 */
import { TsError } from '../errors.ts';
import { failureKindFromMessage, fetchFailureError } from '../fetch-failure.ts';
import { nonPublicHost } from '../http/address-class.ts';

export interface UpstreamFetchOptions {
  /** The whole exchange, request start to last body byte. */
  timeoutMs: number;
  /** The body's cap in bytes. */
  maxResponseBytes: number;
  /** Verify the host's TLS certificate (default true). */
  verifyCertificate?: boolean;
  /** Aborts the request early (the reader went away, the auction ended). */
  signal?: AbortSignal;
  /**
   * The one `Cookie` header value this request may carry (a consented first-party ID for a
   * creative host); everything else the request had is dropped.
   */
  cookie?: string;
  /**
   * The `Authorization` value this request carries: this server's own credential for the third
   * party (pull sync's Bearer token), never one a client sent.
   */
  authorization?: string;
  /**
   * Connect to public internet addresses only (the first-party proxy, which fetches URLs that
   * bidders' markup chose). An IP-literal host is judged here, on every platform; a name is judged
   * by the transport where the platform lets it see the address it connects to (Node, at connect
   * time, so a DNS answer that changes between a check and the connection cannot slip through).
   * Off by default: pull sync and the auction call configured partners, and their tests run on
   * loopback.
   */
  publicAddressesOnly?: boolean;
}

export type UpstreamFetch = (request: Request, options: UpstreamFetchOptions) => Promise<Response>;

/**
 * What a platform provides: send the request, resolve at the response headers, abort on the
 * signal, never follow a redirect. Bodies come back decoded (the platforms' fetch decodes
 * gzip/br); a transport that decodes one removes its `Content-Encoding` and `Content-Length`.
 */
export type UpstreamTransport = (
  request: Request,
  options: { signal: AbortSignal; verifyCertificate: boolean; publicAddressesOnly?: boolean },
) => Promise<Response>;

const CREDENTIAL_HEADERS = ['cookie', 'authorization', 'proxy-authorization'] as const;

/** Wraps a platform's transport in the rules above. */
export function withUpstreamPolicy(transport: UpstreamTransport): UpstreamFetch {
  return async (request, options) => {
    const url = new URL(request.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TsError('upstream_failed', `third-party URL must be http(s), got ${url.protocol}`);
    }
    if (url.username !== '' || url.password !== '') {
      throw new TsError('upstream_failed', `third-party URL for ${url.host} carries credentials`);
    }
    const publicAddressesOnly = options.publicAddressesOnly ?? false;
    const kind = publicAddressesOnly ? nonPublicHost(url.hostname) : undefined;
    if (kind !== undefined) {
      throw new TsError('forbidden', `third-party host ${url.hostname} is a ${kind} address`, {
        publicMessage: `host ${url.hostname} is a ${kind} address`,
      });
    }
    const headers = new Headers(request.headers);
    for (const name of CREDENTIAL_HEADERS) headers.delete(name);
    if (options.cookie !== undefined) headers.set('cookie', options.cookie);
    if (options.authorization !== undefined) headers.set('authorization', options.authorization);

    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(
          new TsError(
            'upstream_timeout',
            `${url.host} did not answer within ${options.timeoutMs} ms`,
          ),
        ),
      options.timeoutMs,
    );
    const signal =
      options.signal === undefined
        ? deadline.signal
        : AbortSignal.any([deadline.signal, options.signal]);
    const outgoing = new Request(request, { headers, signal, redirect: 'manual' });

    let response: Response;
    try {
      // Raced against the signal as well: a platform whose fetch takes no signal (Fastly) must
      // not hold the caller past its deadline.
      response = await Promise.race([
        transport(outgoing, {
          signal,
          verifyCertificate: options.verifyCertificate ?? true,
          publicAddressesOnly,
        }),
        abortion(signal),
      ]);
    } catch (error) {
      clearTimeout(timer);
      throw failureOf(error, signal, url.host);
    }

    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > options.maxResponseBytes) {
      clearTimeout(timer);
      deadline.abort();
      await response.body?.cancel().catch(() => {});
      throw new TsError(
        'upstream_too_large',
        `${url.host} declared ${declared} bytes; the cap is ${options.maxResponseBytes}`,
      );
    }
    if (response.body === null) {
      clearTimeout(timer);
      return response;
    }
    const guarded = guardedBody(response.body, options.maxResponseBytes, url.host, signal, () =>
      clearTimeout(timer),
    );
    return new Response(guarded, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/**
 * The body as the caller reads it: bytes pass through until `cap` is exceeded, and every way it
 * can fail — the cap, the deadline or the caller's abort (even while no read is pending), a reset
 * or a broken coding mid-body — errors it with a `TsError` of this module's codes, never a
 * platform's raw error.
 */
function guardedBody(
  source: ReadableStream<Uint8Array>,
  cap: number,
  host: string,
  signal: AbortSignal,
  done: () => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let seen = 0;
  let settled = false;
  let onAbort: (() => void) | undefined;
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    if (onAbort) signal.removeEventListener('abort', onAbort);
    done();
    return true;
  };
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, error: TsError) => {
    if (!settle()) return;
    controller.error(error);
    reader.cancel(error).catch(() => {});
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        onAbort = () => fail(controller, failureOf(signal.reason, signal, host));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      },
      async pull(controller) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (error) {
          fail(controller, failureOf(error, signal, host));
          return;
        }
        if (settled) return;
        if (chunk.done) {
          settle();
          controller.close();
          return;
        }
        seen += chunk.value.byteLength;
        if (seen > cap) {
          fail(
            controller,
            new TsError('upstream_too_large', `${host} sent more than the cap of ${cap} bytes`),
          );
          return;
        }
        controller.enqueue(chunk.value);
      },
      cancel(reason) {
        settle();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    const fail = () =>
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

function failureOf(error: unknown, signal: AbortSignal, host: string): TsError {
  if (signal.aborted && signal.reason instanceof TsError) return signal.reason;
  if (error instanceof TsError) return error;
  if (signal.aborted) {
    return new TsError('upstream_failed', `request to ${host} was aborted`, { cause: error });
  }
  // The platform's failure, classified the one way every fetch failure is (fetch-failure.ts).
  const detail = error instanceof Error ? error.message : String(error);
  return fetchFailureError({
    party: 'upstream',
    kind: failureKindFromMessage(detail),
    host,
    detail,
    cause: error,
  });
}
