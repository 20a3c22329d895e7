/**
 * The Node transport behind `fetchUpstream` (core's src/core/upstream/upstream-fetch.ts applies the
 * deadline, the size cap and the header rules): undici's fetch on agents of its own, so third
 * parties never share the origin's connection pool, timeouts or `origin_address`.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import { describeDecodedBody } from '../core/upstream/decoded-body.ts';
import { withUpstreamPolicy, type UpstreamFetch } from '../core/upstream/upstream-fetch.ts';

export interface UpstreamFetcher {
  fetch: UpstreamFetch;
  /**
   * Closes the pools, letting requests in flight finish until `deadline` (epoch ms; default:
   * however long they take), then destroying what is left.
   */
  close(deadline?: number): Promise<void>;
}

const UNDICI_CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'zstd']);

/**
 * undici's fetch decodes up to five stacked codings when it knows every one of them; with one it
 * does not know, it decodes none and the body comes as sent.
 */
const decodedByUndici = (codings: readonly string[]) =>
  codings.length <= 5 && codings.every((coding) => UNDICI_CODINGS.has(coding));

export function createUpstreamFetch(): UpstreamFetcher {
  const agents = {
    verified: new Agent({ keepAliveTimeout: 4000, connect: { rejectUnauthorized: true } }),
    unverified: new Agent({ keepAliveTimeout: 4000, connect: { rejectUnauthorized: false } }),
  };
  const fetch = withUpstreamPolicy(async (request, options) => {
    const response = await undiciFetch(request.url, {
      method: request.method,
      headers: [...request.headers],
      body: request.body,
      redirect: 'manual',
      signal: options.signal,
      dispatcher: options.verifyCertificate ? agents.verified : agents.unverified,
      ...(request.body === null ? {} : { duplex: 'half' as const }),
    });
    return describeDecodedBody(
      new Response(response.body as ReadableStream<Uint8Array> | null, {
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
      }),
      decodedByUndici,
    );
  });
  return {
    fetch,
    close: async (deadline = Number.POSITIVE_INFINITY) => {
      const closing = Promise.all([agents.verified.close(), agents.unverified.close()]);
      const left = deadline - Date.now();
      if (left === Number.POSITIVE_INFINITY) {
        await closing;
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        closing.then(() => false),
        new Promise<boolean>(
          (resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, left))),
        ),
      ]);
      clearTimeout(timer);
      // A third party still answering an abandoned request must not hold the shutdown.
      if (late) await Promise.all([agents.verified.destroy(), agents.unverified.destroy()]);
    },
  };
}
