/**
 * `GET|OPTIONS /_ts/api/v1/identify` through the whole app (upstream `ec/identify.rs` tests, plus
 * what only the app shows: it never mints, it exists only with partners).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyIdentifyOrigin } from '../../src/core/identity/identify.ts';
import { TsError } from '../../src/core/errors.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { openSqliteKv } from '../../src/node/stores/sqlite-kv.ts';
import {
  endpointApp,
  ID,
  json,
  OTHER,
  seedEntry,
  SIBLING,
  TOKEN_SSP,
  TOKEN_SYNC,
} from './endpoint-fixtures.ts';

const PATH = '/_ts/api/v1/identify';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function assertNoStore(response: Response) {
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal(response.headers.get('pragma'), 'no-cache');
  assert.equal(response.headers.get('vary'), 'Origin, Authorization');
}

test('identify origin: https on the publisher domain or below it, nothing else', () => {
  const domain = 'publisher.test';
  const allowed = (origin: string) => classifyIdentifyOrigin(origin, domain).kind === 'allowed';
  assert.deepEqual(classifyIdentifyOrigin(null, domain), { kind: 'no-origin' });
  assert.ok(allowed('https://publisher.test'));
  assert.ok(allowed('https://sub.publisher.test'));
  assert.ok(allowed('https://a.b.publisher.test:8443'));
  for (const origin of [
    'http://sub.publisher.test',
    'https://evil.test',
    'https://Foo.publisher.test',
    'https://SUB.PUBLISHER.TEST',
    'https://evilpublisher.test',
    'https://publisher.test.evil.test',
    'null',
    '',
    'https://user@evil.test',
  ]) {
    assert.equal(classifyIdentifyOrigin(origin, domain).kind, 'denied', origin);
  }
  assert.deepEqual(classifyIdentifyOrigin('https://a.b.publisher.test:8443', domain), {
    kind: 'allowed',
    origin: 'https://a.b.publisher.test:8443',
  });
});

test('identify: no token or a wrong one is 401 invalid_token, never cached, no CORS', async () => {
  const { fetch } = endpointApp();
  for (const headers of [{}, bearer('wrong-token'), { authorization: `Basic ${TOKEN_SSP}` }]) {
    const response = await fetch(PATH, { headers: { ...headers, cookie: `ts-ec=${ID}` } });
    assert.equal(response.status, 401);
    assertNoStore(response);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.deepEqual(await json(response), { error: 'invalid_token' });
  }
});

test('identify: consent that does not allow the ID is 403 consent denied', async () => {
  const { fetch } = endpointApp({ geo: null });
  const response = await fetch(PATH, { headers: { ...bearer(TOKEN_SSP), cookie: `ts-ec=${ID}` } });
  assert.equal(response.status, 403);
  assertNoStore(response);
  assert.deepEqual(await json(response), { consent: 'denied' });
});

test('identify: no ID is 204, and it never mints one', async () => {
  const { fetch, kv } = endpointApp();
  const response = await fetch(PATH, {
    headers: {
      ...bearer(TOKEN_SSP),
      'user-agent': 'Mozilla/5.0 (Macintosh) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36',
      'sec-fetch-dest': 'document',
      accept: 'text/html',
    },
  });
  assert.equal(response.status, 204);
  assertNoStore(response);
  assert.deepEqual(response.headers.getSetCookie(), []);
  assert.equal(await kv?.countPrefix('', 10), 0);
});

test('identify: the partner gets its own UID only, as an EID, and the cluster size', async () => {
  const { fetch, graph } = endpointApp();
  await seedEntry(graph, ID, { 'ssp.example': 'ssp-uid-1', 'sync.example': 'sync-uid-1' });
  await seedEntry(graph, SIBLING);
  await seedEntry(graph, OTHER);
  const response = await fetch(PATH, { headers: { ...bearer(TOKEN_SSP), cookie: `ts-ec=${ID}` } });
  assert.equal(response.status, 200);
  assertNoStore(response);
  assert.deepEqual(await json(response), {
    ec: ID,
    consent: 'ok',
    degraded: false,
    source_domain: 'ssp.example',
    uid: 'ssp-uid-1',
    eid: { source: 'ssp.example', uids: [{ id: 'ssp-uid-1', atype: 1 }] },
    cluster_size: 2,
  });
  const other = await json(
    await fetch(PATH, { headers: { ...bearer(TOKEN_SYNC), cookie: `ts-ec=${SIBLING}` } }),
  );
  assert.deepEqual(other, {
    ec: SIBLING,
    consent: 'ok',
    degraded: false,
    source_domain: 'sync.example',
    cluster_size: 2,
  });
});

test('identify: a withdrawn ID gives no UID and no cluster size', async () => {
  const { fetch, graph } = endpointApp();
  await seedEntry(graph, ID, { 'ssp.example': 'ssp-uid-1' });
  await graph.writeWithdrawalTombstone(ID);
  const body = await json(
    await fetch(PATH, { headers: { ...bearer(TOKEN_SSP), cookie: `ts-ec=${ID}` } }),
  );
  assert.deepEqual(body, { ec: ID, consent: 'ok', degraded: false, source_domain: 'ssp.example' });
});

test('identify: a store that fails is still 200 with the ID, degraded, without a UID', async () => {
  const real = openSqliteKv({ path: ':memory:', busyTimeoutMs: 250 });
  const down: KvStore = {
    ...real,
    kind: real.kind,
    capabilities: real.capabilities,
    get: () => Promise.reject(new TsError('store_unavailable', 'store down')),
  };
  const { fetch, services } = endpointApp({ kv: down });
  const response = await fetch(PATH, { headers: { ...bearer(TOKEN_SSP), cookie: `ts-ec=${ID}` } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('x-ts-ec'), null);
  assert.deepEqual(await json(response), {
    ec: ID,
    consent: 'ok',
    degraded: true,
    source_domain: 'ssp.example',
  });
  const logs = services.fake.logs.lines.join('\n');
  assert.ok(!logs.includes(ID), 'the full ID was logged');
  assert.ok(!logs.includes(TOKEN_SSP), 'the token was logged');
});

test('identify: a publisher page origin gets CORS; a foreign one 403 without it', async () => {
  const { fetch, graph } = endpointApp();
  await seedEntry(graph, ID);
  const allowed = await fetch(PATH, {
    headers: { ...bearer(TOKEN_SSP), cookie: `ts-ec=${ID}`, origin: 'https://www.publisher.test' },
  });
  assert.equal(allowed.status, 200);
  assertNoStore(allowed);
  assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://www.publisher.test');
  assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
  assert.equal(allowed.headers.get('access-control-allow-methods'), 'GET, OPTIONS');
  assert.equal(allowed.headers.get('access-control-allow-headers'), 'Authorization');
  assert.equal(allowed.headers.get('access-control-max-age'), '600');

  for (const origin of [
    'https://evil.test',
    'http://www.publisher.test',
    'https://WWW.publisher.test',
  ]) {
    const denied = await fetch(PATH, {
      headers: { ...bearer(TOKEN_SSP), cookie: `ts-ec=${ID}`, origin },
    });
    assert.equal(denied.status, 403, origin);
    assertNoStore(denied);
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
    const body = await denied.text();
    assert.ok(!body.includes(ID), 'a foreign origin saw the ID');
  }
});

test('identify: the preflight answers CORS for the publisher, 403 for anyone else', async () => {
  const { fetch, services } = endpointApp();
  const ok = await fetch(PATH, {
    method: 'OPTIONS',
    headers: { origin: 'https://sub.publisher.test', 'access-control-request-method': 'GET' },
  });
  assert.equal(ok.status, 200);
  assertNoStore(ok);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://sub.publisher.test');
  assert.equal(ok.headers.get('access-control-allow-headers'), 'Authorization');
  const denied = await fetch(PATH, { method: 'OPTIONS', headers: { origin: 'https://evil.test' } });
  assert.equal(denied.status, 403);
  assertNoStore(denied);
  assert.equal(denied.headers.get('access-control-allow-origin'), null);
  const bare = await fetch(PATH, { method: 'OPTIONS' });
  assert.equal(bare.status, 200);
  assert.equal(bare.headers.get('access-control-allow-origin'), null);
  assert.equal(services.fake.origin.requests.length, 0);
});

test('identify: without partners the route does not exist, and the origin never sees the call', async () => {
  const { fetch, services } = endpointApp({ partners: '' });
  const response = await fetch(PATH, { headers: bearer(TOKEN_SSP) });
  assert.equal(response.status, 404);
  assert.equal(services.fake.origin.requests.length, 0);
});
