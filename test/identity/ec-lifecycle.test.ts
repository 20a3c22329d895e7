/**
 * The Edge Cookie's life through the whole app (createApp with in-process services and the
 * memory store): when a cookie is issued, kept, withdrawn, or never issued.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApp } from '../../src/core/app.ts';
import { TsError } from '../../src/core/errors.ts';
import type { GeoInfo } from '../../src/core/services.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { fakeServices, FAKE_ORIGIN_URL } from '../helpers/fake-services.ts';
import { PASSWORD, testSettings } from '../helpers/settings.ts';

/** The identity graph's admin routes must sit behind a handler (admin-coverage.ts). */
const ADMIN_HANDLER = `[[handlers]]
path = "^/_ts/admin"
username = "admin"
password = "${PASSWORD}"
`;
const ADMIN_AUTH = `Basic ${btoa(`admin:${PASSWORD}`)}`;

const CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const NAVIGATION = {
  'user-agent': CHROME,
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  accept: 'text/html,application/xhtml+xml',
};
const EC_ID =
  /^ts-ec=([0-9a-f]{64}\.[A-Za-z0-9]{6}); Domain=\.www\.publisher\.test; Path=\/; Secure; SameSite=Lax; Max-Age=31536000; HttpOnly$/;
const EXPIRED =
  'ts-ec=; Domain=.www.publisher.test; Path=/; Secure; SameSite=Lax; Max-Age=0; HttpOnly';
const VALID_ID = `${'ab'.repeat(32)}.Zx9Qw1`;

const US_CA: GeoInfo = { country: 'US', region: 'CA' };
const CANADA: GeoInfo = { country: 'CA', region: 'ON' };
const GERMANY: GeoInfo = { country: 'DE' };

function setup(
  options: { geo?: GeoInfo | null; ecStore?: boolean; kv?: KvStore | undefined } = {},
) {
  const extra = options.ecStore === false ? '' : `ec_store = "identity"\n${ADMIN_HANDLER}`;
  const services = fakeServices({
    geo: options.geo === undefined ? CANADA : options.geo,
    codecs: 'identity',
    ...('kv' in options ? { overrides: { kv: options.kv } } : {}),
  });
  const app = createApp(testSettings(FAKE_ORIGIN_URL, extra), services);
  const get = (path: string, headers: Record<string, string> = {}) =>
    app(new Request(`http://www.publisher.test${path}`, { headers }));
  return { app, services, get };
}

const cookieOf = (response: Response) => response.headers.getSetCookie();

test('ec: a consenting browser navigation gets the cookie, and its graph entry exists', async () => {
  const { get, services } = setup();
  const response = await get('/article', NAVIGATION);
  assert.equal(response.status, 200);
  const [cookie, ...more] = cookieOf(response);
  assert.equal(more.length, 0);
  const match = EC_ID.exec(cookie ?? '');
  assert.ok(match, cookie);
  const entry = await services.kv?.get(match[1] as string);
  assert.ok(entry, 'the graph entry was written before the cookie was sent');
  assert.equal(await response.text(), 'origin saw GET /article');
});

test('ec: a returning reader keeps the ID: no new cookie, no new entry', async () => {
  const { get, services } = setup();
  const response = await get('/article', { ...NAVIGATION, cookie: `ts-ec=${VALID_ID}` });
  assert.deepEqual(cookieOf(response), []);
  assert.equal(await services.kv?.countPrefix('', 100), 0);
});

test('ec: no cookie for subresources, crawlers, scripts or the tsjs route', async () => {
  const { get, services } = setup();
  const cases: Array<[string, Record<string, string>]> = [
    ['/logo.png', { ...NAVIGATION, 'sec-fetch-dest': 'image', accept: 'image/*' }],
    ['/article', { ...NAVIGATION, 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1)' }],
    ['/article', { 'user-agent': CHROME, accept: 'text/html' }],
    ['/article', { ...NAVIGATION, 'user-agent': 'curl/8.5.0' }],
  ];
  for (const [path, headers] of cases) {
    assert.deepEqual(cookieOf(await get(path, headers)), [], JSON.stringify(headers));
  }
  assert.equal(await services.kv?.countPrefix('', 100), 0);
});

test('ec: unknown jurisdiction (no geo) fails closed: no cookie, one warning naming [geo]', async () => {
  const { get, services } = setup({ geo: null });
  assert.deepEqual(cookieOf(await get('/article', NAVIGATION)), []);
  assert.deepEqual(cookieOf(await get('/article', NAVIGATION)), []);
  const warnings = services.fake.logs.records().filter((record) => record.key === 'geo.mode');
  assert.equal(warnings.length, 1);
  assert.match(String(warnings[0]?.msg), /jurisdiction unknown.*set \[geo\]/);
});

test('ec: GDPR without a TC string: no cookie, no withdrawal', async () => {
  const { get } = setup({ geo: GERMANY });
  assert.deepEqual(cookieOf(await get('/article', NAVIGATION)), []);
  assert.deepEqual(
    cookieOf(await get('/article', { ...NAVIGATION, cookie: `ts-ec=${VALID_ID}` })),
    [],
  );
});

test('ec: GPC in a US privacy state withdraws: cookie expired and entry tombstoned at once', async () => {
  const { get, services } = setup({ geo: US_CA });
  // A US privacy state needs a signal: no signal at all is no ID (upstream).
  assert.deepEqual(cookieOf(await get('/article', NAVIGATION)), []);
  const optedIn = { ...NAVIGATION, cookie: 'us_privacy=1YNN' };
  const minted = EC_ID.exec(cookieOf(await get('/article', optedIn))[0] ?? '');
  assert.ok(minted, 'a Californian who has not opted out gets an ID');
  const id = minted[1] as string;
  const response = await get('/article', { ...NAVIGATION, 'sec-gpc': '1', cookie: `ts-ec=${id}` });
  assert.deepEqual(cookieOf(response), [EXPIRED]);
  const entry = await services.kv?.get(id);
  assert.ok(entry);
  const parsed = JSON.parse(entry.value) as { consent: { ok: boolean }; ids?: object };
  assert.equal(parsed.consent.ok, false);
  assert.deepEqual(parsed.ids ?? {}, {}, 'a tombstone keeps no partner IDs');
});

test('ec: a withdrawal is honoured on an error page too', async () => {
  const { get, services } = setup({ geo: US_CA });
  services.fake.origin.fail('connect');
  const response = await get('/article', {
    ...NAVIGATION,
    'sec-gpc': '1',
    cookie: `ts-ec=${VALID_ID}`,
  });
  assert.equal(response.status, 502);
  assert.deepEqual(cookieOf(response), [EXPIRED]);
});

test('ec: without consent identity headers are stripped from what the origin sent', async () => {
  const { get, services } = setup({ geo: null });
  services.fake.origin.respond(
    () =>
      new Response('page', {
        headers: {
          'x-ts-ec': VALID_ID,
          'x-ts-eids': 'W10=',
          'x-ts-ec-consent': 'ok',
          'x-other': '1',
        },
      }),
  );
  const response = await get('/article', NAVIGATION);
  assert.equal(response.headers.get('x-ts-ec'), null);
  assert.equal(response.headers.get('x-ts-eids'), null);
  assert.equal(response.headers.get('x-ts-ec-consent'), null);
  assert.equal(response.headers.get('x-other'), '1');
});

test('ec: without [ec] ec_store no cookie is issued (no phantom IDs)', async () => {
  const { get } = setup({ ecStore: false });
  assert.deepEqual(cookieOf(await get('/article', NAVIGATION)), []);
});

test('ec: a platform with no store issues no cookie, and says so at start', async () => {
  const { get, services } = setup({ kv: undefined });
  assert.deepEqual(cookieOf(await get('/article', NAVIGATION)), []);
  assert.ok(services.fake.logs.records().some((record) => record.key === 'ec.ec_store'));
});

test('ec: a graph write that fails means no cookie, and the page is still served', async () => {
  const failing = fakeServices().kv as KvStore;
  const broken: KvStore = {
    ...failing,
    capabilities: failing.capabilities,
    kind: 'broken',
    get: () => Promise.reject(new TsError('store_unavailable', 'store down')),
    put: () => Promise.reject(new TsError('store_unavailable', 'store down')),
  };
  const { get, services } = setup({ kv: broken });
  const response = await get('/article', NAVIGATION);
  assert.equal(response.status, 200);
  assert.deepEqual(cookieOf(response), []);
  assert.equal(await response.text(), 'origin saw GET /article');
  const warning = services.fake.logs
    .records()
    .find((record) => record.msg === 'edge cookie not issued');
  assert.equal(warning?.code, 'store_unavailable');
});

test('ec: logs never carry the full ID, the IP or a raw consent string', async () => {
  const { get, services } = setup({ geo: US_CA });
  const optedIn = { ...NAVIGATION, cookie: 'us_privacy=1YNN' };
  const id = EC_ID.exec(cookieOf(await get('/article', optedIn))[0] ?? '')?.[1] as string;
  assert.ok(id);
  await get('/article', { ...NAVIGATION, 'sec-gpc': '1', cookie: `ts-ec=${id}; us_privacy=1YYN` });
  const all = services.fake.logs.lines.join('\n');
  assert.ok(!all.includes(id), 'full ID logged');
  assert.ok(!all.includes(id.slice(0, 20)), 'a long ID prefix logged');
  assert.ok(!all.includes('192.0.2.10'), 'client IP logged');
  assert.ok(!all.includes('1YYN'), 'raw USP string logged');
});

test('ec: admin namespace paths no route serves never reach the origin', async () => {
  const { app, services } = setup();
  for (const path of [
    '/_ts/admin/unknown',
    '/_ts/admin%252Fec',
    '/admin/keys/rotate',
    '/_ts/admin/ec/',
  ]) {
    const response = await app(
      new Request(`http://www.publisher.test${path}`, {
        method: 'POST',
        headers: { authorization: ADMIN_AUTH },
      }),
    );
    assert.equal(response.status, 404, path);
  }
  assert.equal(services.fake.origin.requests.length, 0);
});
