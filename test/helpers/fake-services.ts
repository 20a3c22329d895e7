/**
 * `PlatformServices` for running core in this process, without sockets:
 *
 *   const services = fakeServices({ origin: () => new Response('<p>hi</p>') });
 *   const app = createApp(testSettings(FAKE_ORIGIN_URL), services);
 *   const response = await app(new Request('http://localhost/page'));
 *   services.fake.origin.requests; services.fake.logs.records(); services.fake.clock.advance(5);
 *
 * The origin is programmed per test and answers with real `Response`s; codecs are the Node
 * adapter's (real zlib) unless a test asks for identity; logs go through the real logger (secret
 * scrubbing included) into memory; the clock moves only when a test moves it.
 *
 * Services this helper does not know yet, or a test wants different, come in through
 * `overrides` (a `Partial<PlatformServices>`, applied last): a new service needs a default here
 * only once most tests use it.
 */
import type { FetchFailureKind } from '../../src/core/fetch-failure.ts';
import { fetchFailureError } from '../../src/core/fetch-failure.ts';
import { createLogger, type LogLevel } from '../../src/core/log.ts';
import { userAgentSignals } from '../../src/core/device/device-signals.ts';
import { TsError } from '../../src/core/errors.ts';
import { createMemoryKv } from '../../src/core/store/memory-kv.ts';
import type {
  ClientConnection,
  Codecs,
  GeoInfo,
  OriginFetchOptions,
  PlatformServices,
} from '../../src/core/services.ts';
import { nodeCodecs } from '../../src/node/codecs.ts';

/** An origin URL for settings: never resolved, the fake origin answers for it. */
export const FAKE_ORIGIN_URL = 'http://origin.publisher.test';

export type FakeOriginHandler = (
  request: Request,
  options: OriginFetchOptions,
) => Response | Promise<Response>;

export interface FakeOriginCall {
  request: Request;
  options: OriginFetchOptions;
}

export interface FakeOrigin {
  /** What the app sent, in order. */
  readonly requests: FakeOriginCall[];
  /** Replaces how the origin answers from now on. */
  respond(handler: FakeOriginHandler): void;
  /** From now on the origin fails as a platform reports it: core's error for `kind`. */
  fail(kind: FetchFailureKind, detail?: string): void;
}

export type LogRecord = Record<string, unknown> & { level: string; msg: string };

export interface LogCapture {
  /** Each line as the sink received it (scrubbed JSON). */
  readonly lines: string[];
  records(): LogRecord[];
  /** Lines of the error shape (log-error.ts): the ones with a `code`. */
  errors(): LogRecord[];
}

export interface FakeClock {
  now: () => number;
  advance: (ms: number) => void;
  set: (epochMs: number) => void;
}

export interface FakeServicesOptions {
  /** How the origin answers; by default 200 `origin saw <METHOD> <path+query>`. */
  origin?: FakeOriginHandler;
  /** The client's TCP peer; by default 192.0.2.10 over plain HTTP. */
  connection?: Partial<ClientConnection>;
  geo?: GeoInfo | null;
  /** Epoch ms the clock starts at (2026-01-01T00:00:00Z by default). */
  startTime?: number;
  logLevel?: LogLevel;
  /** Values the logger must redact, as `secretValues(settings)` gives an adapter. */
  secrets?: readonly string[];
  /** `node` (default): real zlib. `identity`: bodies pass unchanged, for tests with no codings. */
  codecs?: 'node' | 'identity';
  /** Applied last: replaces any service, or adds one this helper has no default for. */
  overrides?: Partial<PlatformServices>;
}

export type FakeServices = PlatformServices & {
  fake: {
    origin: FakeOrigin;
    logs: LogCapture;
    clock: FakeClock;
    /** What was handed to `waitUntil`, to await in a test. */
    background: Promise<unknown>[];
  };
};

const passthrough = () => new TransformStream<Uint8Array, Uint8Array>();

export const identityCodecs: Codecs = {
  decode: passthrough,
  encode: passthrough,
};

const echo: FakeOriginHandler = (request) => {
  const url = new URL(request.url);
  return new Response(`origin saw ${request.method} ${url.pathname}${url.search}`, {
    headers: { 'content-type': 'text/plain' },
  });
};

export function fakeServices(options: FakeServicesOptions = {}): FakeServices {
  const origin = fakeOrigin(options.origin ?? echo);
  const logs = logCapture();
  const clock = fakeClock(options.startTime ?? Date.UTC(2026, 0, 1));
  const connection: ClientConnection = {
    remoteAddress: '192.0.2.10',
    tls: false,
    ...options.connection,
  };
  const geo = options.geo ?? null;
  const background: Promise<unknown>[] = [];
  const services: PlatformServices = {
    fetchOrigin: origin.fetch,
    codecs: options.codecs === 'identity' ? identityCodecs : nodeCodecs,
    connection: () => connection,
    geo: () => geo,
    deviceSignals: userAgentSignals,
    ja4Support: 'never',
    log: createLogger({
      level: options.logLevel ?? 'debug',
      secrets: options.secrets ?? [],
      sink: (line) => logs.lines.push(line),
      clock: clock.now,
    }),
    now: clock.now,
    monotonic: clock.now,
    kv: createMemoryKv(clock.now),
    // No third party is reachable from an in-process test unless one is given in `overrides`.
    fetchUpstream: (request) =>
      Promise.reject(new TsError('upstream_failed', `no third party in this test: ${request.url}`)),
    waitUntil: (_request, work) => void background.push(work),
    ...options.overrides,
  };
  return Object.assign(services, { fake: { origin: origin.control, logs, clock, background } });
}

function fakeOrigin(initial: FakeOriginHandler) {
  let handler = initial;
  const requests: FakeOriginCall[] = [];
  const control: FakeOrigin = {
    requests,
    respond: (next) => {
      handler = next;
    },
    fail: (kind, detail = `simulated ${kind} failure`) => {
      handler = (request) => {
        throw fetchFailureError({ party: 'origin', kind, host: new URL(request.url).host, detail });
      };
    },
  };
  const fetch = async (request: Request, fetchOptions: OriginFetchOptions): Promise<Response> => {
    // As a platform fetch does: a request whose client already left is not sent.
    fetchOptions.signal?.throwIfAborted();
    requests.push({ request, options: fetchOptions });
    return handler(request, fetchOptions);
  };
  return { fetch, control };
}

function logCapture(): LogCapture {
  const lines: string[] = [];
  const records = () => lines.map((line) => JSON.parse(line) as LogRecord);
  return { lines, records, errors: () => records().filter((record) => 'code' in record) };
}

function fakeClock(start: number): FakeClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (epochMs) => {
      current = epochMs;
    },
  };
}
