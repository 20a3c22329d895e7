/**
 * A test-only Worker that runs the production `fetchUpstream` of the Workers adapter (core's policy
 * over src/cloudflare/upstream-fetch.ts) inside workerd, for a request described in the test's
 * POST body, and reports back as JSON what the caller would have seen: status, headers and body
 * bytes (base64), the typed error the body ended with, or the typed error the call failed with.
 *
 * `{ abort: id }` aborts the call of that id, as the caller's own signal would (the Node side sends
 * it when its signal fires).
 */
import { TsError } from '../../src/core/errors.ts';
import {
  withUpstreamPolicy,
  type UpstreamFetchOptions,
} from '../../src/core/upstream/upstream-fetch.ts';
import { workersUpstreamTransport } from '../../src/cloudflare/upstream-fetch.ts';

export interface UpstreamCall {
  id: string;
  url: string;
  method: string;
  headers: [string, string][];
  options: Omit<UpstreamFetchOptions, 'signal'>;
  /** The caller has a signal: keep a controller `{ abort: id }` can fire. */
  abortable: boolean;
}

export interface ErrorReport {
  code: string;
  message: string;
}

export type UpstreamReport =
  | { error: ErrorReport }
  | {
      status: number;
      statusText: string;
      headers: [string, string][];
      body: string;
      bodyError?: ErrorReport;
    };

const fetchUpstream = withUpstreamPolicy(workersUpstreamTransport);
const controllers = new Map<string, AbortController>();

function reportOf(error: unknown): ErrorReport {
  return {
    code: error instanceof TsError ? error.code : 'unexpected',
    message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** Reads the whole body, keeping what came before an error and the error itself. */
async function drain(body: ReadableStream<Uint8Array> | null) {
  const chunks: Uint8Array[] = [];
  let bodyError: ErrorReport | undefined;
  if (body !== null) {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
    } catch (error) {
      bodyError = reportOf(error);
    }
  }
  const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { body: base64(bytes), ...(bodyError === undefined ? {} : { bodyError }) };
}

async function run(call: UpstreamCall): Promise<UpstreamReport> {
  const controller = call.abortable ? new AbortController() : undefined;
  if (controller !== undefined) controllers.set(call.id, controller);
  try {
    const request = new Request(call.url, { method: call.method, headers: call.headers });
    const response = await fetchUpstream(request, {
      ...call.options,
      ...(controller === undefined ? {} : { signal: controller.signal }),
    });
    return {
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers],
      ...(await drain(response.body)),
    };
  } catch (error) {
    return { error: reportOf(error) };
  } finally {
    controllers.delete(call.id);
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method === 'GET') return new Response('ok'); // health
    const message = (await request.json()) as UpstreamCall | { abort: string };
    if ('abort' in message) {
      controllers.get(message.abort)?.abort(new Error('aborted by the caller'));
      return Response.json({ aborted: true });
    }
    return Response.json(await run(message));
  },
};
