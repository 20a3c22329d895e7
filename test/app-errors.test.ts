/**
 * The one error mapping, in process: every `TsError` code to its status and body, generic 5xx
 * bodies, no detail in what the client sees, one log-line shape, the fetch-failure
 * classification, and the adapters' outer guard (serveSafely, the Worker's handler).
 * error-mapping-wire.test.ts covers the Node adapter's own error paths on real sockets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { embedWorkerSettings } from '../src/build/worker.ts';
import { createWorker } from '../src/cloudflare/worker.ts';
import { createApp, type App } from '../src/core/app.ts';
import { ERROR_CODES, TsError, type ErrorCode } from '../src/core/errors.ts';
import {
  failureKindFromMessage,
  fetchFailureError,
  type FetchFailureKind,
} from '../src/core/fetch-failure.ts';
import { createLogger } from '../src/core/log.ts';
import { serveSafely } from '../src/core/serve-safely.ts';
import { nodeFailureKind } from '../src/node/fetch-failure.ts';
import { FAKE_ORIGIN_URL, fakeServices, type LogRecord } from './helpers/fake-services.ts';
import { baseToml, SECRET_PROXY, testSettings } from './helpers/settings.ts';

/** The contract, written out so a change to a code's status is a deliberate change here too. */
const EXPECTED: Record<ErrorCode, number> = {
  bad_request: 400,
  store_invalid_key: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  store_conflict: 409,
  payload_too_large: 413,
  store_value_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  header_fields_too_large: 431,
  internal: 500,
  configuration: 500,
  origin_unreachable: 502,
  origin_failed: 502,
  upstream_failed: 502,
  upstream_too_large: 502,
  unavailable: 503,
  store_unavailable: 503,
  origin_timeout: 504,
  upstream_timeout: 504,
};

const GENERIC: Record<number, string> = {
  500: 'An internal error occurred\n',
  502: 'Bad gateway\n',
  503: 'Service unavailable\n',
  504: 'Gateway timeout\n',
};

/** What a detail may carry and a client must never see: an address, a host, a secret. */
const LEAKY = `origin 10.20.30.40:8443 said no; key ${SECRET_PROXY}`;

function setup(options: Parameters<typeof fakeServices>[0] = {}) {
  const settings = testSettings(FAKE_ORIGIN_URL);
  const services = fakeServices({ secrets: [SECRET_PROXY], ...options });
  return { app: createApp(settings, services), services, origin: services.fake.origin };
}

/** The headers and body a client gets, as one string to search. */
async function everythingSent(response: Response): Promise<string> {
  return `${JSON.stringify([...response.headers])}\n${await response.text()}`;
}

describe('error mapping: every code (in process)', () => {
  it('has a status for every code, and the table here covers them all', () => {
    assert.deepEqual([...ERROR_CODES].sort(), Object.keys(EXPECTED).sort());
  });

  for (const code of ERROR_CODES) {
    const status = EXPECTED[code];
    it(`${code} → ${status}, plain text, not cached, no detail sent`, async () => {
      const { app, origin, services } = setup();
      origin.respond(() => {
        throw new TsError(code, LEAKY, { publicMessage: status < 500 ? 'Try again' : LEAKY });
      });
      const response = await app(new Request('http://localhost/page?token=q-77'));
      assert.equal(response.status, status);
      assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.ok(response.headers.get('x-ts-version'), 'error responses are finalized');
      const body = await response.clone().text();
      if (status >= 500) assert.equal(body, GENERIC[status], 'a 5xx body is the generic text');
      else assert.equal(body, 'Try again\n', "a 4xx body is the thrower's public message");
      const sent = await everythingSent(response);
      for (const secret of ['10.20.30.40', SECRET_PROXY, 'said no']) {
        assert.ok(!sent.includes(secret), `${secret} reached the client`);
      }

      const [line, ...more] = services.fake.logs.errors();
      assert.equal(more.length, 0, 'one error line per failure');
      assert.equal(line?.code, code);
      assert.equal(line?.status, status);
      assert.equal(line?.level, status >= 500 ? 'error' : 'info');
      assert.equal(line?.method, 'GET');
      assert.equal(line?.path, '/page', 'the path without its query');
      assert.match(line?.msg ?? '', /10\.20\.30\.40:8443 said no/, 'the detail is in the log');
      assert.ok(!JSON.stringify(line).includes(SECRET_PROXY), 'secrets are scrubbed from logs');
      assert.ok(!JSON.stringify(line).includes('q-77'), 'queries stay out of the log');
    });
  }
});

describe('error mapping: what is not a TsError, and the edges of a request (in process)', () => {
  it('maps a plain exception to a generic 500 and logs what it said', async () => {
    const { app, origin, services } = setup();
    origin.respond(() => {
      throw new RangeError(`index out of range near ${LEAKY}`);
    });
    const response = await app(new Request('http://localhost/x'));
    assert.equal(response.status, 500);
    assert.equal(await response.text(), GENERIC[500]);
    const [line] = services.fake.logs.errors();
    assert.equal(line?.code, 'internal');
    assert.match(line?.msg ?? '', /index out of range/);
  });

  it('answers an unparseable request URL with 400, not 500', async () => {
    // Runtimes never build such a Request; an adapter passing its own object might.
    const garbled = Object.defineProperty(new Request('http://localhost/x'), 'url', {
      value: 'http://[garbled',
    });
    const { app, origin, services } = setup();
    const response = await app(garbled);
    assert.equal(response.status, 400);
    assert.equal(await response.text(), 'Bad request\n');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(origin.requests.length, 0);
    assert.equal(services.fake.logs.errors()[0]?.code, 'bad_request');
  });

  it('shows a 4xx thrower-specific message (a refused path says why)', async () => {
    const { app } = setup();
    const response = await app(new Request('http://localhost/a%2Fb'));
    assert.equal(response.status, 400);
    assert.equal(await response.text(), 'Bad request: the path has an encoded "/"\n');
  });

  it('logs a failure the client did not wait for at debug, not error', async () => {
    const { app, origin, services } = setup();
    const controller = new AbortController();
    origin.respond(() => {
      controller.abort();
      throw new TsError('origin_failed', 'origin reset while the client was leaving');
    });
    await app(new Request('http://localhost/x', { signal: controller.signal }));
    const [line] = services.fake.logs.errors();
    assert.equal(line?.level, 'debug');
    assert.equal(line?.code, 'origin_failed');
  });

  it("names the platform's request id in the error line when it has one", async () => {
    const { app, origin, services } = setup({ overrides: { requestId: () => '8a1b2c3d-AMS' } });
    origin.fail('connect');
    await app(new Request('http://localhost/x'));
    assert.equal(services.fake.logs.errors()[0]?.request_id, '8a1b2c3d-AMS');
    const plain = setup();
    plain.origin.fail('connect');
    await plain.app(new Request('http://localhost/x'));
    assert.ok(!('request_id' in (plain.services.fake.logs.errors()[0] as LogRecord)));
  });

  it('app.fail: failures an adapter meets outside app() get the same response and log line', async () => {
    const { app, services } = setup({ geo: { country: 'FR' } });
    const request = new Request('http://localhost/ws');
    const response = app.fail(new Error(`socket said ${LEAKY}`), { request, path: '/ws' });
    assert.equal(response.status, 500);
    assert.equal(await response.text(), GENERIC[500]);
    assert.equal(response.headers.get('x-geo-country'), 'FR');
    assert.ok(response.headers.get('x-ts-version'));
    const [line] = services.fake.logs.errors();
    assert.deepEqual(
      { code: line?.code, status: line?.status, method: line?.method, path: line?.path },
      { code: 'internal', status: 500, method: 'GET', path: '/ws' },
    );
    // Before there is a Request (a request line that makes none): no geo, still finalized.
    const early = app.fail(new TsError('bad_request', 'no URL'), { method: 'GET', path: '*' });
    assert.equal(early.status, 400);
    assert.equal(early.headers.get('x-geo-info-available'), 'false');
  });
});

describe('upgrade refusals (in process)', () => {
  const upgrade = (path: string, headers: Record<string, string>, extra = '') => {
    const services = fakeServices();
    const app = createApp(testSettings(FAKE_ORIGIN_URL, extra), services);
    return { plan: app.upgrade(new Request(`http://localhost${path}`, { headers })), services };
  };

  it('refuses a protocol other than WebSocket with the mapped, finalized 400', async () => {
    const { plan, services } = upgrade('/chat', { connection: 'Upgrade', upgrade: 'irc/6.9' });
    const result = await plan;
    assert.equal(result.kind, 'refuse');
    if (result.kind !== 'refuse') return;
    assert.equal(result.response.status, 400);
    assert.equal(await result.response.text(), 'Unsupported upgrade\n');
    assert.equal(result.response.headers.get('cache-control'), 'no-store');
    assert.ok(result.response.headers.get('x-ts-version'));
    const [line] = services.fake.logs.errors();
    assert.deepEqual([line?.code, line?.path], ['bad_request', '/chat']);
  });

  it('challenges a protected tunnel with the 401 of basic auth', async () => {
    const handler =
      '[[handlers]]\npath = "^/live"\nusername = "u"\npassword = "correct horse battery staple"\n';
    const { plan } = upgrade('/live', { upgrade: 'websocket' }, handler);
    const result = await plan;
    assert.ok(result.kind === 'refuse');
    assert.equal(result.response.status, 401);
    assert.equal(result.response.headers.get('www-authenticate'), 'Basic realm="Trusted Server"');
  });

  it('plans a WebSocket tunnel to the configured origin, keeping the upgrade fields', async () => {
    const { plan } = upgrade('/live?room=1', { connection: 'Upgrade', upgrade: 'websocket' });
    const result = await plan;
    assert.ok(result.kind === 'tunnel');
    assert.equal(result.url.href, `${FAKE_ORIGIN_URL}/live?room=1`);
    assert.equal(result.headers.get('upgrade'), 'websocket');
    assert.equal(result.headers.get('connection'), 'Upgrade');
  });
});

describe('origin failures, classified once in core', () => {
  const cases: Array<[FetchFailureKind, number, ErrorCode]> = [
    ['connect', 502, 'origin_unreachable'],
    ['timeout', 504, 'origin_timeout'],
    ['reset', 502, 'origin_failed'],
    ['too_large', 502, 'origin_failed'],
  ];
  for (const [kind, status, code] of cases) {
    it(`an origin ${kind} failure → ${status} ${code}, generic body, host only in the log`, async () => {
      const { app, origin, services } = setup();
      origin.fail(kind, 'ECONNSOMETHING 10.9.8.7');
      const response = await app(new Request('http://localhost/page'));
      assert.equal(response.status, status);
      assert.equal(await response.text(), GENERIC[status]);
      const [line] = services.fake.logs.errors();
      assert.equal(line?.code, code);
      assert.equal(line?.msg, 'origin origin.publisher.test: ECONNSOMETHING 10.9.8.7');
    });
  }

  it('gives third parties their own codes, so a bidder outage is not read as the site down', () => {
    const upstream = (kind: FetchFailureKind) =>
      fetchFailureError({ party: 'upstream', kind, host: 'bidder.test', detail: 'x' });
    assert.equal(upstream('connect').code, 'upstream_failed');
    assert.equal(upstream('reset').code, 'upstream_failed');
    assert.equal(upstream('timeout').code, 'upstream_timeout');
    assert.equal(upstream('too_large').code, 'upstream_too_large');
    assert.equal(upstream('timeout').status, 504);
    assert.equal(upstream('too_large').status, 502);
    assert.equal(upstream('connect').publicMessage, 'Bad gateway');
  });

  it('reads the kind from the words of platforms that give only words (Workers, Fastly)', () => {
    const words: Array<[string, FetchFailureKind]> = [
      ['backend first byte timeout', 'timeout'],
      ['Connection timed out', 'timeout'],
      ['Network connection lost.', 'reset'],
      ['read ECONNRESET', 'reset'],
      ['response body exceeds the size limit', 'too_large'],
      ['NetworkError when attempting to fetch resource.', 'connect'],
      ['DNS lookup failed', 'connect'],
    ];
    for (const [message, kind] of words)
      assert.equal(failureKindFromMessage(message), kind, message);
  });

  it("reads the kind from Node's and undici's error codes", () => {
    const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    const expected: Array<[string, FetchFailureKind]> = [
      ['ECONNREFUSED', 'connect'],
      ['ENOTFOUND', 'connect'],
      ['EAI_AGAIN', 'connect'],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'connect'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'connect'],
      ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
      ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
      ['UND_ERR_BODY_TIMEOUT', 'timeout'],
      ['ECONNRESET', 'reset'],
      ['UND_ERR_SOCKET', 'reset'],
      ['HPE_INVALID_CONSTANT', 'reset'],
      ['Z_DATA_ERROR', 'reset'],
      ['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'too_large'],
    ];
    for (const [code, kind] of expected) assert.equal(nodeFailureKind(coded(code)), kind, code);
  });
});

describe('the outer guard of the edge entries', () => {
  const capture = () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', sink: (line) => lines.push(line) });
    return { log, records: () => lines.map((line) => JSON.parse(line) as LogRecord) };
  };

  it('answers an app that cannot be built with a generic 500 and a configuration line', async () => {
    const { log, records } = capture();
    const response = await serveSafely(new Request('http://localhost/page?q=1'), {
      appFor: () => {
        throw new Error('secret store "ts-secrets": entry publisher.proxy_secret missing');
      },
      log,
      requestId: () => 'trace-1',
    });
    assert.equal(response.status, 500);
    assert.equal(await response.text(), GENERIC[500]);
    const [line] = records();
    assert.deepEqual(
      { code: line?.code, status: line?.status, id: line?.request_id, path: line?.path },
      { code: 'configuration', status: 500, id: 'trace-1', path: '/page' },
    );
    assert.match(line?.msg ?? '', /publisher\.proxy_secret missing/);
  });

  it('answers an app that throws (a bug) with a generic 500, never a platform error page', async () => {
    const { log, records } = capture();
    const real = createApp(testSettings(FAKE_ORIGIN_URL), fakeServices());
    const broken: App = Object.assign(() => Promise.reject(new Error('finalize blew up')), {
      upgrade: real.upgrade,
      fail: real.fail,
    });
    const response = await serveSafely(new Request('http://localhost/'), {
      appFor: () => broken,
      log,
    });
    assert.equal(response.status, 500);
    assert.equal(records()[0]?.code, 'internal');
  });

  it('the Worker: missing secrets → generic 500, the log names the secret slots, not values', async () => {
    const { log, records } = capture();
    const { embedded } = embedWorkerSettings(baseToml(FAKE_ORIGIN_URL), {
      source: 'test.toml',
      env: {},
      dev: false,
    });
    const worker = createWorker(embedded, { bootLog: log });
    const context = { waitUntil: () => {}, passThroughOnException: () => {} };
    const response = await worker.fetch(
      new Request('http://localhost/page', { headers: { 'cf-ray': '8a1b2c3d4e5f-AMS' } }),
      {},
      context,
    );
    assert.equal(response.status, 500);
    assert.equal(await response.text(), GENERIC[500]);
    const [line] = records();
    assert.equal(line?.code, 'configuration');
    assert.equal(line?.request_id, '8a1b2c3d4e5f-AMS');
    assert.match(line?.msg ?? '', /TRUSTED_SERVER__PUBLISHER__PROXY_SECRET/);
    assert.ok(!JSON.stringify(line).includes(SECRET_PROXY));
  });
});
