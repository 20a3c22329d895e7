/**
 * `GET /_ts/admin/ec[/{id}]` and `GET /_ts/admin/eids` through the whole app, behind the admin
 * handler (upstream `ec/admin.rs` tests).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KvStore } from '../../src/core/store/kv.ts';
import { createMemoryKv } from '../../src/core/store/memory-kv.ts';
import { createApp } from '../../src/core/app.ts';
import { loadSettings } from '../../src/core/settings/load-settings.ts';
import { fakeServices, FAKE_ORIGIN_URL } from '../helpers/fake-services.ts';
import { baseToml, PASSWORD } from '../helpers/settings.ts';
import { ADMIN_AUTH, endpointApp, ID, json, OTHER, seedEntry } from './endpoint-fixtures.ts';

const auth = (headers: Record<string, string> = {}) => ({
  headers: { authorization: ADMIN_AUTH, ...headers },
});

test('admin ec: the entry, its store, metadata and the auction view', async () => {
  const { fetch, graph, services } = endpointApp();
  await seedEntry(graph, ID, {
    'ssp.example': 'uid-live', // bidstream partner
    'sync.example': 'uid-quiet', // partner out of the bidstream
    'gone.example': 'uid-old', // no longer a partner
  });
  const response = await fetch(`/_ts/admin/ec/${ID}`, auth());
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const body = await json(response);
  assert.equal(body.ec_id, ID);
  assert.deepEqual(body.store, { kind: 'sqlite', cas: true, ttl: true, consistent: true });
  assert.equal(typeof body.generation, 'string');
  assert.equal(body.tombstone, false);
  const entry = body.entry as Record<string, unknown> & { consent: Record<string, unknown> };
  const created = new Date(services.now()).toISOString();
  assert.equal(entry.created_iso, created);
  assert.equal(entry.consent.updated_iso, created);
  assert.equal(entry.created, services.now() / 1000);
  assert.deepEqual(body.metadata, { ok: true, country: 'CA', v: 1 });
  assert.deepEqual(body.auction, {
    eids: [{ source: 'ssp.example', uids: [{ id: 'uid-live', atype: 1 }] }],
    skipped: [
      { source_domain: 'gone.example', reason: 'not_in_registry' },
      { source_domain: 'sync.example', reason: 'bidstream_disabled' },
    ],
  });
  assert.equal(body.entry_error, undefined);
  const logs = services.fake.logs.lines.join('\n');
  assert.ok(!logs.includes(ID), 'the full ID was logged');
});

test('admin ec: the bare route reads the caller’s own ts-ec cookie (the last one)', async () => {
  const { fetch, graph } = endpointApp();
  await seedEntry(graph, OTHER);
  const response = await fetch('/_ts/admin/ec', auth({ cookie: `ts-ec=${ID}; ts-ec=${OTHER}` }));
  assert.equal(response.status, 200);
  assert.equal((await json(response)).ec_id, OTHER);
  const none = await fetch('/_ts/admin/ec', auth());
  assert.equal(none.status, 404);
  assert.match(String((await json(none)).error), /no ts-ec cookie/);
});

test('admin ec: an invalid ID is 400, a missing entry 404', async () => {
  const { fetch } = endpointApp();
  for (const path of ['/_ts/admin/ec/not-an-id', `/_ts/admin/ec/${ID.toUpperCase()}`]) {
    const response = await fetch(path, auth());
    assert.equal(response.status, 400, path);
    assert.match(String((await json(response)).error), /invalid EC ID/);
  }
  const badCookie = await fetch('/_ts/admin/ec', auth({ cookie: 'ts-ec=abc' }));
  assert.equal(badCookie.status, 400);
  const missing = await fetch(`/_ts/admin/ec/${ID}`, auth());
  assert.equal(missing.status, 404);
  assert.equal((await json(missing)).error, 'EC entry not found');
});

test('admin ec: on an eventually consistent store the 404 says so', async () => {
  const memory = createMemoryKv();
  const eventual: KvStore = {
    ...memory,
    kind: 'workers-kv',
    capabilities: { cas: false, ttl: true, consistent: false },
  };
  const { fetch } = endpointApp({ kv: eventual });
  const response = await fetch(`/_ts/admin/ec/${ID}`, auth());
  assert.equal(response.status, 404);
  assert.match(String((await json(response)).error), /eventually consistent/);
});

test('admin ec: a corrupt entry is shown raw with what is wrong, and no auction view', async () => {
  const { fetch, kv } = endpointApp();
  await kv?.put(ID, 'not json at all', { metadata: 'also not json' });
  const body = await json(await fetch(`/_ts/admin/ec/${ID}`, auth()));
  assert.equal(body.raw_body, 'not json at all');
  assert.match(String(body.entry_error), /not JSON/);
  assert.equal(body.entry, undefined);
  assert.equal(body.auction, undefined);
  assert.equal(body.tombstone, undefined);
  assert.match(String(body.metadata_error), /not JSON \(raw: also not json\)/);
});

test('admin ec: an entry of another schema is shown, with the validation error', async () => {
  const { fetch, kv } = endpointApp();
  await kv?.put(ID, JSON.stringify({ v: 99, created: 1, future: 'value' }), {
    metadata: '{"unexpected":true}',
  });
  const body = await json(await fetch(`/_ts/admin/ec/${ID}`, auth()));
  assert.deepEqual(body.entry, {
    v: 99,
    created: 1,
    future: 'value',
    created_iso: '1970-01-01T00:00:01.000Z',
  });
  assert.match(String(body.entry_error), /failed validation.*v must be 1/);
  assert.equal(body.auction, undefined);
  assert.equal(body.raw_body, undefined);
  assert.deepEqual(body.metadata, { unexpected: true });
  assert.match(String(body.metadata_error), /expected/);
});

test('admin ec: a tombstone is flagged', async () => {
  const { fetch, graph } = endpointApp();
  await seedEntry(graph, ID, { 'ssp.example': 'u' });
  await graph.writeWithdrawalTombstone(ID);
  const body = await json(await fetch(`/_ts/admin/ec/${ID}`, auth()));
  assert.equal(body.tombstone, true);
  assert.deepEqual(body.auction, { eids: [], skipped: [] });
});

test('admin ec: is read for any client (no bot gate) and never reaches the origin', async () => {
  const { fetch, graph, services } = endpointApp();
  await seedEntry(graph, ID);
  const response = await fetch(`/_ts/admin/ec/${ID}`, auth({ 'user-agent': 'curl/8.5.0' }));
  assert.equal(response.status, 200);
  assert.equal(services.fake.origin.requests.length, 0);
});

test('admin ec: a platform without a store answers 501', async () => {
  const { fetch } = endpointApp({ kv: null });
  const response = await fetch(`/_ts/admin/ec/${ID}`, auth());
  assert.equal(response.status, 501);
  assert.match(String((await json(response)).error), /not configured/);
});

test('admin: without credentials 401; another method 405; deeper paths 404', async () => {
  const { fetch, services } = endpointApp();
  assert.equal((await fetch(`/_ts/admin/ec/${ID}`)).status, 401);
  assert.equal((await fetch('/_ts/admin/eids')).status, 401);
  const post = await fetch(`/_ts/admin/ec/${ID}`, { method: 'POST', ...auth() });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET');
  assert.equal((await fetch(`/_ts/admin/ec/${ID}/more`, auth())).status, 404);
  assert.equal((await fetch('/_ts/admin/ec/', auth())).status, 404);
  assert.equal(services.fake.origin.requests.length, 0);
});

test('admin eids: the cookies decoded and what ingesting them would store, no store read', async () => {
  let reads = 0;
  const memory = createMemoryKv();
  const counting: KvStore = {
    ...memory,
    kind: memory.kind,
    capabilities: memory.capabilities,
    get: (key) => {
      reads++;
      return memory.get(key);
    },
  };
  const { fetch } = endpointApp({ kv: counting });
  const eids = btoa(
    JSON.stringify([
      { source: 'ssp.example', uids: [{ id: 'uid-ssp', atype: 1 }] },
      { source: 'unknown.example', uids: [{ id: 'uid-x' }] },
      { source: 'sync.example', uids: [{ id: '   ' }] },
    ]),
  );
  const body = await json(
    await fetch('/_ts/admin/eids', auth({ cookie: `ts-eids=${eids}; sharedId=shared-1` })),
  );
  assert.equal(body.cookie_present, true);
  assert.equal(body.sharedid_present, true);
  assert.equal(body.partners_configured, 2);
  assert.deepEqual(body.ingest, {
    matched: [{ source_domain: 'ssp.example', uid: 'uid-ssp' }],
    unmatched: [
      { source: 'sync.example', reason: 'no_valid_uid' },
      { source: 'unknown.example', reason: 'no_partner' },
    ],
  });
  const broken = await json(await fetch('/_ts/admin/eids', auth({ cookie: 'ts-eids=%%%' })));
  assert.match(String(broken.parse_error), /failed to parse ts-eids/);
  assert.equal(reads, 0);
});

test('admin: without [ec] ec_store the EC routes are not served (reserved 404)', async () => {
  const { fetch, services } = endpointApp({ ecStore: false, partners: '' });
  const response = await fetch(`/_ts/admin/ec/${ID}`);
  assert.equal(response.status, 404);
  assert.equal(services.fake.origin.requests.length, 0);
});

test('admin ec: a handler regex that misses some IDs leaves them refused, not open', async () => {
  // Passes the start-up probes (the bare prefix and one all-`a` ID), yet misses IDs with digits.
  const handler = `[[handlers]]\npath = "^/_ts/admin/(ec|eids)(/|/a+\\\\.Ab12Z9)?$"\nusername = "admin"\npassword = "${PASSWORD}"\n`;
  const settings = loadSettings(baseToml(FAKE_ORIGIN_URL, `ec_store = "identity"\n${handler}`), {
    source: 'test.toml',
  });
  const services = fakeServices({ geo: { country: 'CA' }, codecs: 'identity' });
  const app = createApp(settings, services);
  const open = await app(
    new Request(`http://www.publisher.test/_ts/admin/ec/${'12'.repeat(32)}.Zx9Qw1`),
  );
  assert.equal(open.status, 403);
  assert.equal(services.fake.origin.requests.length, 0);
  const covered = await app(
    new Request(`http://www.publisher.test/_ts/admin/ec/${'a'.repeat(64)}.Ab12Z9`, {
      headers: { authorization: ADMIN_AUTH },
    }),
  );
  assert.equal(covered.status, 404, 'a covered path is served (no such entry)');
});

test('admin ec: logs carry the looked-up ID in its short form only', async () => {
  const { fetch, services } = endpointApp();
  await fetch(`/_ts/admin/ec/${ID}`); // 401: no credentials
  await fetch(`/_ts/admin/ec/${ID}`, auth()); // 404: no entry
  const logs = services.fake.logs.lines.join('\n');
  assert.ok(!logs.includes(ID), 'the full ID was logged');
  assert.ok(!logs.includes(ID.slice(0, 20)));
});
