/**
 * The Node transport behind `fetchUpstream` (core's src/core/upstream/upstream-fetch.ts applies the
 * deadline, the size cap and the header rules): undici's fetch on agents of its own, so third
 * parties never share the origin's connection pool, timeouts or `origin_address`.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import { withUpstreamPolicy, type UpstreamFetch } from '../core/upstream/upstream-fetch.ts';

export interface UpstreamFetcher {
  fetch: UpstreamFetch;
  close(): Promise<void>;
}

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
    // undici's fetch decodes gzip/deflate/br bodies: the headers that describe the wire go.
    const headers = new Headers([...response.headers]);
    if (headers.has('content-encoding')) {
      headers.delete('content-encoding');
      headers.delete('content-length');
    }
    return new Response(response.body as ReadableStream<Uint8Array> | null, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  });
  return {
    fetch,
    close: async () => {
      await Promise.all([agents.verified.close(), agents.unverified.close()]);
    },
  };
}
