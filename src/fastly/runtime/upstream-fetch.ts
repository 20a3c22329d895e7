/**
 * The Fastly transport behind `fetchUpstream` (core applies the deadline, the size cap and the
 * header rules). One dynamic backend per third-party host, with fixed timeouts: a backend's name
 * comes from its settings, so timeouts derived from each call's deadline would register a new
 * backend per request (upstream's #865). The deadline itself is core's, raced against this fetch.
 * Fastly always verifies certificates of named hosts.
 *
 * Fastly's `fetch` decodes nothing unless asked: it is asked to decode gzip (the one coding it
 * can), so the size cap counts decoded bytes as on the other platforms; br and the rest arrive as
 * sent, their `Content-Encoding` kept.
 */
import type { Backend } from 'fastly:backend';
import type { OriginTimeouts } from '../../core/services.ts';
import { describeDecodedBody } from '../../core/upstream/decoded-body.ts';
import type { UpstreamTransport } from '../../core/upstream/upstream-fetch.ts';
import { backendConfigFor } from '../backend-options.ts';
import { backendFor } from './backends.ts';

interface FastlyRequestInit extends RequestInit {
  backend: Backend;
  cacheOverride: 'pass';
  fastly: { decompressGzip: boolean };
}

const UPSTREAM_TIMEOUTS: OriginTimeouts = {
  connectMs: 1000,
  firstByteMs: 10_000,
  betweenBytesMs: 10_000,
  totalMs: 0,
};

const decodedByFastly = (codings: readonly string[]) =>
  codings.length === 1 && (codings[0] === 'gzip' || codings[0] === 'x-gzip');

export const fastlyUpstreamTransport: UpstreamTransport = async (request) => {
  const url = new URL(request.url);
  const backend = backendFor(
    backendConfigFor(url, { timeouts: UPSTREAM_TIMEOUTS, verifyCertificate: true }, 'ts_upstream'),
  );
  const init: FastlyRequestInit = {
    backend,
    cacheOverride: 'pass',
    fastly: { decompressGzip: true },
  };
  // If Fastly already dropped the wire's headers on decoding, this changes nothing.
  return describeDecodedBody(await fetch(request, init), decodedByFastly);
};
