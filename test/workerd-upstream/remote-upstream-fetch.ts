/**
 * The Node side of upstream-worker.ts: an `UpstreamFetch` whose every call runs inside workerd,
 * through the Workers adapter's `fetchUpstream`. The response comes back whole (status, headers,
 * body); a body that failed there fails here, after the bytes that came before, with the same
 * typed error. The caller's signal is forwarded as an abort message.
 */
import { randomUUID } from 'node:crypto';
import { TsError, type ErrorCode } from '../../src/core/errors.ts';
import type { UpstreamFetch } from '../../src/core/upstream/upstream-fetch.ts';
import type { ErrorReport, UpstreamCall, UpstreamReport } from './upstream-worker.ts';

function errorOf(report: ErrorReport): Error {
  if (report.code === 'unexpected') return new Error(report.message);
  return new TsError(report.code as ErrorCode, report.message);
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export function remoteUpstreamFetch(workerUrl: string): UpstreamFetch {
  return async (request, options) => {
    const { signal, ...rest } = options;
    const call: UpstreamCall = {
      id: randomUUID(),
      url: request.url,
      method: request.method,
      headers: [...request.headers],
      options: rest,
      abortable: signal !== undefined,
    };
    const forwardAbort = () => {
      void fetch(workerUrl, { method: 'POST', body: JSON.stringify({ abort: call.id }) })
        .then((response) => response.arrayBuffer())
        .catch(() => {});
    };
    signal?.addEventListener('abort', forwardAbort, { once: true });
    let report: UpstreamReport;
    try {
      const response = await fetch(workerUrl, { method: 'POST', body: JSON.stringify(call) });
      report = (await response.json()) as UpstreamReport;
    } finally {
      signal?.removeEventListener('abort', forwardAbort);
    }
    if ('error' in report) throw errorOf(report.error);
    const bytes = Buffer.from(report.body, 'base64');
    const { bodyError } = report;
    const body = NULL_BODY_STATUSES.has(report.status)
      ? null
      : new ReadableStream<Uint8Array>({
          start(controller) {
            if (bytes.length > 0) controller.enqueue(new Uint8Array(bytes));
            if (bodyError === undefined) controller.close();
            else controller.error(errorOf(bodyError));
          },
        });
    return new Response(body, {
      status: report.status,
      statusText: report.statusText,
      headers: report.headers,
    });
  };
}
