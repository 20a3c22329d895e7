/**
 * Routing, in process: `createApp(settings, fakeServices())` called with web `Request`s. The
 * socket suites (routing-auth, tsjs, passthrough) cover the same routes on the wire; these pin
 * what core decides, without a server or an origin process in the way.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { createApp } from '../src/core/app.ts';
import { originTimeOf } from '../src/core/request-timing.ts';
import { VERSION } from '../src/core/version.ts';
import { FAKE_ORIGIN_URL, fakeServices } from './helpers/fake-services.ts';
import { testSettings } from './helpers/settings.ts';

const BUNDLE = 'http://localhost/static/tsjs=tsjs-unified.min.js';

function setup(options: Parameters<typeof fakeServices>[0] = {}) {
  const services = fakeServices(options);
  const app = createApp(
    testSettings(FAKE_ORIGIN_URL, '[response_headers]\nx-site = "pub"\n'),
    services,
  );
  return { app, services, origin: services.fake.origin };
}

describe('routing (in process)', () => {
  it('answers GET /health itself, before anything else, with none of the finalize headers', async () => {
    const { app, origin } = setup();
    const response = await app(new Request('http://localhost/health'));
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok');
    assert.equal(response.headers.get('x-ts-version'), null);
    assert.equal(origin.requests.length, 0);
  });

  it('sends other methods on /health, and /health/x, to the origin', async () => {
    const { app, origin } = setup();
    const post = await app(new Request('http://localhost/health', { method: 'POST', body: 'x' }));
    assert.equal(await post.text(), 'origin saw POST /health');
    const deeper = await app(new Request('http://localhost/health/x'));
    assert.equal(await deeper.text(), 'origin saw GET /health/x');
    assert.equal(origin.requests.length, 2);
  });

  it('serves the tsjs bundle itself, hashed, and revalidates it with 304', async () => {
    const { app, origin } = setup();
    const response = await app(new Request(BUNDLE));
    assert.equal(response.status, 200);
    const body = Buffer.from(await response.arrayBuffer());
    const etag = `"sha256-${createHash('sha256').update(body).digest('hex')}"`;
    assert.equal(response.headers.get('etag'), etag);
    assert.match(response.headers.get('content-type') ?? '', /^application\/javascript/);
    assert.equal(response.headers.get('x-ts-version'), VERSION);
    const again = await app(new Request(BUNDLE, { headers: { 'if-none-match': `W/${etag}` } }));
    assert.equal(again.status, 304);
    assert.equal(again.body, null);
    assert.equal(origin.requests.length, 0);
  });

  it('answers HEAD on the bundle with its length and no body', async () => {
    const { app } = setup();
    const full = await app(new Request(BUNDLE));
    const length = (await full.arrayBuffer()).byteLength;
    const head = await app(new Request(BUNDLE, { method: 'HEAD' }));
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(length));
    assert.equal(head.body, null);
  });

  it('refuses unknown bundle names with the mapped 404, without asking the origin', async () => {
    const { app, origin } = setup();
    const response = await app(new Request('http://localhost/static/tsjs=tsjs-other.js'));
    assert.equal(response.status, 404);
    assert.equal(await response.text(), 'Not Found\n');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-site'), 'pub', 'error responses are finalized too');
    assert.equal(origin.requests.length, 0);
  });

  it('sends what no route takes to the origin: normalised path, query, forwarding headers', async () => {
    const { app, origin } = setup({ connection: { remoteAddress: '198.51.100.4' } });
    const response = await app(
      new Request('http://localhost/a/./b/../news?x=1', {
        headers: { 'x-forwarded-for': '203.0.113.66', 'x-ts-debug': 'spoofed' },
      }),
    );
    assert.equal(await response.text(), 'origin saw GET /a/news?x=1');
    assert.equal(response.headers.get('x-ts-version'), VERSION);
    assert.equal(response.headers.get('x-geo-info-available'), 'false');
    const sent = origin.requests[0]!.request;
    assert.equal(sent.url, `${FAKE_ORIGIN_URL}/a/news?x=1`);
    assert.equal(
      sent.headers.get('x-forwarded-for'),
      '198.51.100.4',
      'a client XFF is not believed',
    );
    assert.equal(sent.headers.get('x-ts-debug'), null);
    assert.equal(sent.redirect, 'manual');
  });

  it('takes methods a route does not serve to the origin (POST on the bundle path)', async () => {
    const { app, origin } = setup();
    const response = await app(new Request(BUNDLE, { method: 'POST', body: 'x' }));
    assert.equal(await response.text(), 'origin saw POST /static/tsjs=tsjs-unified.min.js');
    assert.equal(origin.requests.length, 1);
  });

  it('passes HEAD to the origin and drops any body it sends back', async () => {
    const { app, origin } = setup({
      origin: () =>
        new Response('a body a HEAD answer must not carry', {
          headers: { 'content-type': 'text/plain', 'content-length': '35' },
        }),
    });
    const response = await app(new Request('http://localhost/page', { method: 'HEAD' }));
    assert.equal(response.status, 200);
    assert.equal(response.body, null);
    assert.equal(origin.requests[0]!.request.method, 'HEAD');
  });

  it('hands the origin fetch the [proxy] timeouts and the client request signal', async () => {
    const { app, origin } = setup();
    const controller = new AbortController();
    await app(new Request('http://localhost/page', { signal: controller.signal }));
    const { options } = origin.requests[0]!;
    assert.deepEqual(Object.keys(options.timeouts).sort(), [
      'betweenBytesMs',
      'connectMs',
      'firstByteMs',
      'totalMs',
    ]);
    assert.ok(options.signal, 'no signal: a client that leaves would not cancel the origin');
  });

  it('adds geo headers when the platform knows the client location', async () => {
    const { app } = setup({ geo: { country: 'DE', city: 'Berlin' } });
    const response = await app(new Request('http://localhost/page'));
    assert.equal(response.headers.get('x-geo-country'), 'DE');
    assert.equal(response.headers.get('x-geo-city'), 'Berlin');
    assert.equal(response.headers.get('x-geo-info-available'), 'true');
  });

  it('measures origin time on the injected clock', async () => {
    const services = fakeServices();
    services.fake.origin.respond(() => {
      services.fake.clock.advance(42);
      return new Response('late');
    });
    const app = createApp(testSettings(FAKE_ORIGIN_URL), services);
    const request = new Request('http://localhost/page');
    await (await app(request)).text();
    assert.equal(originTimeOf(request), 42);
  });
});
