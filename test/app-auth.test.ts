/**
 * `[[handlers]]` basic auth, in process. routing-auth.test.ts covers the same on the wire.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from '../src/core/app.ts';
import { secretValues } from '../src/core/settings/placeholders.ts';
import { FAKE_ORIGIN_URL, fakeServices } from './helpers/fake-services.ts';
import { PASSWORD, SECURE_HANDLER, testSettings } from './helpers/settings.ts';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function setup() {
  const settings = testSettings(
    FAKE_ORIGIN_URL,
    `${SECURE_HANDLER}
[[handlers]]
path = "^/reports"
case_sensitive = true
username = "analyst"
password = "${PASSWORD} too"
`,
  );
  const services = fakeServices({ secrets: secretValues(settings) });
  return { app: createApp(settings, services), services, origin: services.fake.origin };
}

describe('basic auth (in process)', () => {
  it('challenges a protected path without credentials, through the error mapping', async () => {
    const { app, origin, services } = setup();
    const response = await app(new Request('http://localhost/secure/page'));
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Basic realm="Trusted Server"');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.ok(response.headers.get('x-ts-version'), 'a 401 is finalized like any response');
    assert.equal(await response.text(), 'Unauthorized\n');
    assert.equal(origin.requests.length, 0);
    const [line] = services.fake.logs.errors();
    assert.equal(line?.code, 'unauthorized');
    assert.equal(line?.status, 401);
    assert.equal(line?.level, 'info');
    assert.equal(line?.path, '/secure/page');
  });

  it('refuses wrong, partial and malformed credentials alike', async () => {
    const { app, origin } = setup();
    for (const authorization of [
      basic('intruder', PASSWORD),
      basic('editor', 'wrong'),
      basic('editor', ''),
      `Bearer ${PASSWORD}`,
      'Basic not-base64!!',
      'Basic',
    ]) {
      const response = await app(
        new Request('http://localhost/secure/page', { headers: { authorization } }),
      );
      assert.equal(response.status, 401, authorization);
    }
    assert.equal(origin.requests.length, 0);
  });

  it('lets the right credentials through and does not forward them to the origin', async () => {
    const { app, origin } = setup();
    const response = await app(
      new Request('http://localhost/secure/page', {
        headers: { authorization: basic('editor', PASSWORD) },
      }),
    );
    assert.equal(await response.text(), 'origin saw GET /secure/page');
    assert.equal(origin.requests[0]!.request.headers.get('authorization'), null);
  });

  it('forwards an Authorization header meant for the origin on paths no handler covers', async () => {
    const { app, origin } = setup();
    await app(new Request('http://localhost/api', { headers: { authorization: 'Bearer t0k' } }));
    assert.equal(origin.requests[0]!.request.headers.get('authorization'), 'Bearer t0k');
  });

  it('matches the normalised path, case-insensitively unless the handler says otherwise', async () => {
    const { app, origin } = setup();
    for (const url of [
      'http://localhost/SECURE/page',
      'http://localhost/%73ecure/page',
      'http://localhost//secure/page',
      'http://localhost/public/%2e%2e/secure/page',
    ]) {
      const response = await app(new Request(url));
      assert.equal(response.status, 401, url);
    }
    // case_sensitive = true: /REPORTS is another resource, for this handler's owner to decide.
    const upper = await app(new Request('http://localhost/REPORTS'));
    assert.equal(upper.status, 200);
    const lower = await app(new Request('http://localhost/reports'));
    assert.equal(lower.status, 401);
    assert.equal(origin.requests.length, 1);
  });

  it('refuses a path that could read as another one (encoded slash) with 400 before auth', async () => {
    const { app, origin } = setup();
    const response = await app(new Request('http://localhost/public%2F..%2Fsecure/page'));
    assert.equal(response.status, 400);
    assert.match(await response.text(), /^Bad request: the path has an encoded "\/"/);
    assert.equal(origin.requests.length, 0);
  });

  it('keeps the password and the Authorization header out of the logs', async () => {
    const { app, services } = setup();
    await app(
      new Request('http://localhost/secure/page', {
        headers: { authorization: basic('editor', `${PASSWORD}x`) },
      }),
    );
    const logs = services.fake.logs.lines.join('\n');
    assert.ok(logs.length > 0);
    assert.ok(!logs.includes(PASSWORD));
    assert.ok(!logs.includes(Buffer.from(`editor:${PASSWORD}x`).toString('base64')));
  });
});
