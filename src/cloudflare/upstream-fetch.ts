/**
 * The Workers transport behind `fetchUpstream` (core's src/core/upstream/upstream-fetch.ts applies
 * the deadline, the size cap and the header rules): the runtime's own `fetch`, which takes the
 * signal and, with `redirect: 'manual'`, hands a 3xx back as it is. Workers always verify a
 * host's certificate: `verifyCertificate: false` cannot be honoured here (README, Cloudflare).
 */
import { describeDecodedBody } from '../core/upstream/decoded-body.ts';
import type { UpstreamTransport } from '../core/upstream/upstream-fetch.ts';

/**
 * What the runtime's `fetch` decodes: one gzip or br coding. It keeps the wire's
 * `Content-Encoding` and `Content-Length` on the decoded body (seen in workerd), so they go here;
 * deflate and stacked codings arrive as sent, their header kept.
 */
const decodedByWorkers = (codings: readonly string[]) =>
  codings.length === 1 && (codings[0] === 'gzip' || codings[0] === 'br');

export const workersUpstreamTransport: UpstreamTransport = async (request, options) =>
  describeDecodedBody(
    await fetch(request, { signal: options.signal, redirect: 'manual' }),
    decodedByWorkers,
  );
