/**
 * Platform capabilities, injected into core once. Core code never imports a platform module; what
 * it needs from the runtime arrives here.
 */
import type { ByteSinkFactory } from './byte-sink.ts';
import type { BytePrimitives } from './bytes/byte-primitives.ts';
import type { HtmlEngine } from './html/index.ts';
import type { DeviceSignals } from './device/device-signals.ts';
import type { Ja4Support } from './identity/bot-gate.ts';
import type { Logger } from './log.ts';
import type { KeyStore } from './signing/keystore.ts';
import type { KvStore } from './store/kv.ts';
import type { RateLimiter } from './store/rate-limiter.ts';
import type { UpstreamFetch } from './upstream/upstream-fetch.ts';

export interface OriginTimeouts {
  connectMs: number;
  firstByteMs: number;
  betweenBytesMs: number;
  /**
   * The whole response, request sent to last body byte (`proxy.max_response_ms`; 0 = none). Past
   * it the body errors, so the client sees a cut-off response, never a clean short one. Event
   * streams (`text/event-stream`) are exempt: they are meant to stay open.
   */
  totalMs: number;
}

export interface OriginFetchOptions {
  timeouts: OriginTimeouts;
  /** Verify the origin's TLS certificate (`proxy.certificate_check`). */
  verifyCertificate: boolean;
  /** Connect here (`host:port`) instead of resolving the URL's host (`proxy.origin_address`). */
  connectAddress?: string;
  /** Aborted when the client goes away: the origin request must stop too. */
  signal?: AbortSignal;
}

/**
 * Sends a request upstream and resolves with the response as soon as its headers arrive.
 * The body must be the origin's bytes as sent: no decompression, no redirects followed.
 * Rejects with the `TsError` of `fetchFailureError` (fetch-failure.ts: `origin_unreachable`,
 * `origin_timeout`, `origin_failed`) on failure, or with an abort error when the client went
 * away; the body stream errors (never ends cleanly) if the origin fails mid-body.
 */
export type OriginFetch = (request: Request, options: OriginFetchOptions) => Promise<Response>;

export interface ClientConnection {
  /** The peer address of the TCP connection (before any trusted-proxy resolution). */
  remoteAddress: string;
  /** Whether this server terminated TLS for the request. */
  tls: boolean;
}

export interface GeoInfo {
  city?: string;
  /** ISO 3166-1 alpha-2, upper case (`DE`). Absent: the country is unknown. */
  country?: string;
  continent?: string;
  latitude?: number;
  longitude?: number;
  metroCode?: number;
  /**
   * The subdivision part of the ISO 3166-2 code, upper case, without the country (`CA` for
   * California, `BY` for Bavaria): what `consent.us_states` style lists compare against.
   */
  region?: string;
  /** The client network's autonomous system number (`7922`): home ISP, hosting, mobile carrier. */
  asn?: number;
}

export type { DeviceSignals, FormFactor, PlatformClass, UaClass } from './device/device-signals.ts';

export type ContentCoding = 'gzip' | 'deflate' | 'br';

/** A byte stream stage: a `TransformStream`, or any readable/writable pair a platform builds. */
export interface ByteTransform {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/** A body's way through the proxy: decode (optional) → rewrite → encode (optional). */
export interface BodyPlan {
  decode?: { coding: ContentCoding; maxDecodedBytes: number };
  rewrite: ByteSinkFactory;
  encode?: { coding: 'gzip' | 'br'; level: number };
  /**
   * The request's work permit ({@link PlatformServices.admit}), now the body's: touched as the
   * body makes progress, released when it ends, fails or is abandoned.
   */
  permit?: WorkPermit;
}

/**
 * A hold on one of the page path's work slots. The platform takes it back on its own from a
 * holder that stops making progress (waiting on its origin or its reader), so a forgotten or
 * stalled permit never blocks others for long.
 */
export interface WorkPermit {
  /** Progress was made: the holder keeps the slot. */
  touch(): void;
  /** The work is done. Idempotent. */
  release(): void;
}

/** Compression, as the platform provides it (Node: node:zlib; edges: their own). */
export interface Codecs {
  /**
   * Decodes a body. The stream errors on corrupt or truncated input (a cut-off gzip is never a
   * clean end) and once more than `maxDecodedBytes` come out (decompression bombs).
   */
  decode(coding: ContentCoding, maxDecodedBytes: number): ByteTransform;
  /**
   * Encodes for the client at `level` (gzip 1–9, brotli quality 0–11), flushing whenever the
   * input pauses so the client can decode what it has at once.
   */
  encode(coding: 'gzip' | 'br', level: number): ByteTransform;
  /**
   * Optional: a whole {@link BodyPlan} as one stage, with the semantics of `decode`, the sink and
   * `encode` chained — what a platform offers when it can run them without a stream hop between
   * each (Node does: the hops cost more than the rewrite). Without it, core chains the three.
   */
  transcode?: (body: ReadableStream<Uint8Array>, plan: BodyPlan) => ReadableStream<Uint8Array>;
}

export interface PlatformServices {
  fetchOrigin: OriginFetch;
  codecs: Codecs;
  /** The engine that runs the HTML rules; the project's own when absent. */
  htmlEngine?: HtmlEngine;
  connection(request: Request): ClientConnection;
  /**
   * Geo data for the client, or null when nothing trustworthy is known (Node's default
   * `[geo] mode = "none"`): callers treat null as "jurisdiction unknown" and fail closed. Never
   * throws. Core calls it once per request and keeps the answer on the request context.
   */
  geo(request: Request): GeoInfo | null;
  /**
   * What the client's connection and `User-Agent` say about the device: TLS (JA4) and HTTP/2
   * fingerprints where the platform computes them, and a coarse user-agent class everywhere.
   * Nothing in it identifies a person; it is never logged.
   */
  deviceSignals(request: Request): DeviceSignals;
  /**
   * Whether `deviceSignals` carries a JA4 fingerprint: `always` (Fastly), `sometimes` (Cloudflare:
   * with Bot Management only), `never` (Node). Decides the Edge Cookie's default bot gate.
   */
  readonly ja4Support: Ja4Support;
  log: Logger;
  /**
   * Optional: the platform's own id for the request (Cloudflare Ray ID, Fastly trace ID), so an
   * error's log line can be matched with the platform's logs. Asked only when an error is logged.
   */
  requestId?(request: Request): string | undefined;
  /** Milliseconds since the epoch (cookie expiry, TTLs, signatures). Injected so tests control time. */
  now(): number;
  /** Milliseconds on a clock that never goes back, for durations only (its zero means nothing). */
  monotonic(): number;
  /**
   * Requests to third parties — bidders, sync partners, creative hosts, vendor scripts — never to
   * the publisher's origin, and never with its connection settings.
   */
  fetchUpstream: UpstreamFetch;
  /**
   * The key-value store (`[store]` on Node, the platform's store on the edges); absent where none
   * is configured, and then every feature that needs one is off (no store, no Edge Cookie).
   */
  kv?: KvStore;
  /**
   * Optional: the signing keystore, where the platform keeps keys outside `kv` (Fastly's Config
   * and Secret Stores). Absent: core keeps them in `kv` (src/core/signing/signing-routes.ts).
   */
  keystore?: KeyStore;
  /** Per-key budgets per minute (sync endpoints); absent where the platform has none yet. */
  rateLimiter?: RateLimiter;
  /**
   * Work that goes on after `request`'s response (pull sync, telemetry): the platform keeps the
   * process or isolate alive for it (the edges tie it to the request's event, hence the request)
   * and, on Node, waits for it on a graceful shutdown. A rejection is logged, never thrown at the
   * response.
   */
  waitUntil(request: Request, work: Promise<unknown>): void;
  /**
   * Optional: admission for a body the proxy rewrites. Resolves with a permit once the body may
   * be worked on; rejects with the signal's reason if it is aborted while waiting. Where a
   * process serves many requests at once (Node) this bounds how many pages it rewrites together;
   * edge platforms isolate requests and leave it out.
   */
  admit?(signal: AbortSignal): WorkPermit | Promise<WorkPermit>;
  /**
   * Optional: faster byte search and byte-string conversion for the HTML engine and the
   * rewriters, answering exactly as the standard ones (Node: Buffer's). Applied when the app is
   * created (src/core/bytes/byte-primitives.ts); the edges leave it out and run the standard ones.
   */
  bytes?: BytePrimitives;
}
