/**
 * `POST /_ts/api/v1/batch-sync` through the whole app with real SQLite (upstream
 * `ec/batch_sync.rs` tests: per-item reasons, 207, the abort on a store failure; plus the body
 * cap read as a stream, and the rate limit).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMappings, parseBatch } from '../../src/core/identity/batch-sync.ts';
import { TsError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/log.ts';
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

const PATH = '/_ts/api/v1/batch-sync';

function post(body: unknown, token = TOKEN_SSP, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

const mapping = (ecId: string, uid: string, timestamp = 1_700_000_000) => ({
  ec_id: ecId,
  partner_uid: uid,
  timestamp,
});

async function uidOf(graph: ReturnType<typeof endpointApp>['graph'], id: string, source: string) {
  return (await graph.get(id))?.entry.ids[source]?.uid;
}

test('batch sync: no token or a wrong one is 401 JSON with a message', async () => {
  const { fetch } = endpointApp();
  for (const init of [
    { method: 'POST', body: '{}' },
    post({ mappings: [] }, 'not-a-partner-token'),
  ]) {
    const response = await fetch(PATH, init);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('content-type'), 'application/json');
    const body = await json(response);
    assert.equal(body.error, 'invalid_token');
    assert.equal(typeof body.message, 'string');
  }
});

test('batch sync: all accepted is 200; the UIDs land under the caller only', async () => {
  const { fetch, graph } = endpointApp();
  await seedEntry(graph, ID);
  await seedEntry(graph, OTHER);
  // An upper-case hash part is the same ID.
  const upper = `${ID.slice(0, 64).toUpperCase()}${ID.slice(64)}`;
  const response = await fetch(
    PATH,
    post({ mappings: [mapping(upper, 'u-1'), mapping(OTHER, 'u-2')] }),
  );
  assert.equal(response.status, 200);
  assert.deepEqual(await json(response), { accepted: 2, rejected: 0, errors: [] });
  assert.equal(await uidOf(graph, ID, 'ssp.example'), 'u-1');
  assert.equal(await uidOf(graph, OTHER, 'ssp.example'), 'u-2');
  assert.equal(await uidOf(graph, ID, 'sync.example'), undefined);
});

test('batch sync: 207 names each rejected mapping with its reason', async () => {
  const { fetch, graph } = endpointApp();
  await seedEntry(graph, ID, { 'sync.example': 'same' });
  await seedEntry(graph, OTHER);
  await graph.writeWithdrawalTombstone(OTHER);
  const response = await fetch(
    PATH,
    post(
      {
        mappings: [
          mapping('not-an-id', 'u'),
          mapping(ID, '   '),
          mapping(ID, 'é'.repeat(257)), // 514 bytes
          mapping(SIBLING, 'u'), // no entry: partners never create one
          mapping(OTHER, 'u'), // withdrawn
          mapping(ID, 'same'), // unchanged: accepted
          mapping(ID, 'x'.repeat(512)),
          mapping(ID, 'lone\ud800surrogate'), // cannot travel on as UTF-8
          mapping(ID, 'uid\r\nX-Injected: 1'), // would travel into bid requests
        ],
      },
      TOKEN_SYNC,
    ),
  );
  assert.equal(response.status, 207);
  assert.deepEqual(await json(response), {
    accepted: 2,
    rejected: 7,
    errors: [
      { index: 0, reason: 'invalid_ec_id' },
      { index: 1, reason: 'invalid_partner_uid' },
      { index: 2, reason: 'invalid_partner_uid' },
      { index: 3, reason: 'ineligible' },
      { index: 4, reason: 'ineligible' },
      { index: 7, reason: 'invalid_partner_uid' },
      { index: 8, reason: 'invalid_partner_uid' },
    ],
  });
  assert.equal(await uidOf(graph, ID, 'sync.example'), 'x'.repeat(512));
  assert.equal(await graph.get(SIBLING), null, 'a partner created an entry');
  const tombstone = await graph.get(OTHER);
  assert.deepEqual(Object.keys(tombstone?.entry.ids ?? {}), []);
});

test('batch sync: timestamps do not order writes; the last mapping wins', async () => {
  const { fetch, graph } = endpointApp();
  await seedEntry(graph, ID);
  const response = await fetch(
    PATH,
    post({ mappings: [mapping(ID, 'newer', 200), mapping(ID, 'older', 100)] }),
  );
  assert.equal(response.status, 200);
  assert.equal(await uidOf(graph, ID, 'ssp.example'), 'older');
});

test('batch sync: bad JSON, a bad shape or a missing timestamp is 400 with a message', async () => {
  const { fetch } = endpointApp();
  const cases: Array<[string, string]> = [
    ['not json', 'not JSON'],
    ['[]', 'JSON object'],
    ['{"mappings":{}}', '"mappings" must be an array'],
    [JSON.stringify({ mappings: [{ ec_id: ID, partner_uid: 'u' }] }), 'mappings[0].timestamp'],
    [JSON.stringify({ mappings: [{ ec_id: 1, partner_uid: 'u', timestamp: 1 }] }), 'ec_id'],
  ];
  for (const [body, message] of cases) {
    const response = await fetch(PATH, post(body, TOKEN_SYNC));
    assert.equal(response.status, 400, body);
    const answer = await json(response);
    assert.equal(answer.error, 'invalid_request');
    assert.ok(String(answer.message).includes(message), `${String(answer.message)} / ${message}`);
  }
});

test('batch sync: 1000 mappings are processed, 1001 are 400 batch_too_large', async () => {
  const { fetch } = endpointApp();
  const many = (n: number) => ({ mappings: Array.from({ length: n }, () => mapping(ID, 'u')) });
  const ok = await fetch(PATH, post(many(1000), TOKEN_SYNC));
  assert.equal(ok.status, 207); // every one ineligible: there is no entry
  assert.equal((await json(ok)).rejected, 1000);
  const tooMany = await fetch(PATH, post(many(1001), TOKEN_SYNC));
  assert.equal(tooMany.status, 400);
  assert.equal((await json(tooMany)).error, 'batch_too_large');
});

test('batch sync: a declared length over 2 MiB is 413 before any byte is read', async () => {
  const { fetch } = endpointApp();
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(1024));
    },
  });
  const response = await fetch(PATH, {
    ...post(''),
    body,
    headers: {
      authorization: `Bearer ${TOKEN_SSP}`,
      'content-length': String(2 * 1024 * 1024 + 1),
    },
    duplex: 'half',
  });
  assert.equal(response.status, 413);
  assert.equal((await json(response)).error, 'body_too_large');
  assert.ok(pulled <= 1, `the body was read (${pulled} pulls)`);
});

test('batch sync: an undeclared body is read only up to the cap, then 413', async () => {
  const { fetch } = endpointApp();
  let sent = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      // 16 MiB on offer: only what the cap needs may be taken.
      if (sent >= 16 * 1024 * 1024) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const response = await fetch(PATH, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN_SSP}` },
    body,
    duplex: 'half',
  });
  assert.equal(response.status, 413);
  assert.ok(sent <= 2 * 1024 * 1024 + 3 * chunk.byteLength, `read ${sent} bytes`);
});

test('batch sync: over the partner budget is 429, per partner, until the next minute', async () => {
  const { fetch, services } = endpointApp(); // ssp.example: batch_rate_limit = 3
  const statuses = [];
  for (let call = 0; call < 4; call++) {
    statuses.push((await fetch(PATH, post({ mappings: [] }))).status);
  }
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  const limited = await fetch(PATH, post({ mappings: [] }));
  assert.equal((await json(limited)).error, 'rate_limit_exceeded');
  assert.equal((await fetch(PATH, post({ mappings: [] }, TOKEN_SYNC))).status, 200);
  services.fake.clock.advance(60_000);
  assert.equal((await fetch(PATH, post({ mappings: [] }))).status, 200);
});

test('batch sync: without a rate limiter on the platform it is refused, 503', async () => {
  const { fetch, services } = endpointApp({ noRateLimiter: true });
  const response = await fetch(PATH, post({ mappings: [] }));
  assert.equal(response.status, 503);
  assert.deepEqual(await json(response), { error: 'unavailable', message: 'Service unavailable' });
  assert.ok(services.fake.logs.records().some((r) => String(r.msg).includes('no rate limiter')));
});

test('batch sync: a store failure rejects that mapping and every later one, writes nothing more', async () => {
  const written: string[] = [];
  let calls = 0;
  const graph = {
    upsertPartnerIdIfExists: (id: string) => {
      calls++;
      if (calls === 3) return Promise.reject(new TsError('store_unavailable', 'store down'));
      written.push(id);
      return Promise.resolve('written' as const);
    },
  };
  const ids = [ID, OTHER, SIBLING, ID, OTHER];
  const result = await applyMappings(
    graph,
    'ssp.example',
    [mapping('bad', 'u'), ...ids.map((id) => mapping(id, 'u'))],
    silentLogger,
  );
  assert.deepEqual(result, {
    accepted: 2,
    rejected: 4,
    errors: [
      { index: 0, reason: 'invalid_ec_id' },
      { index: 3, reason: 'kv_unavailable' },
      { index: 4, reason: 'kv_unavailable' },
      { index: 5, reason: 'kv_unavailable' },
    ],
  });
  assert.deepEqual(written, [ID, OTHER]);
  assert.equal(calls, 3);
});

test('batch sync: the body parser takes exactly upstream’s shape', () => {
  assert.deepEqual(parseBatch('{"mappings":[]}'), { ok: true, mappings: [] });
  assert.equal(
    parseBatch('{"mappings":[{"ec_id":"a","partner_uid":"b","timestamp":-1}]}').ok,
    false,
  );
  assert.equal(
    parseBatch('{"mappings":[{"ec_id":"a","partner_uid":"b","timestamp":1.5}]}').ok,
    false,
  );
  assert.equal(parseBatch('{"mappings":[null]}').ok, false);
  assert.equal(parseBatch('{}').ok, false);
});

test('batch sync: another method or a near-miss path is answered here, never sent to the origin', async () => {
  // Stricter than upstream, which forwards these with the partner's bearer token to the origin.
  const { fetch, services } = endpointApp();
  const wrong = await fetch(PATH, { headers: { authorization: `Bearer ${TOKEN_SSP}` } });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'POST');
  const nearMiss = await fetch(`${PATH}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN_SSP}` },
    body: '{"mappings":[]}',
  });
  assert.equal(nearMiss.status, 404);
  assert.equal(services.fake.origin.requests.length, 0);
});
