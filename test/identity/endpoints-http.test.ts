/**
 * Batch sync and identify over real HTTP, through the Node adapter: real Bearer tokens, a body
 * streamed past the cap, a Redis that hangs in the middle of a batch, CORS as a browser sends it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createIdentityGraph } from '../../src/core/identity/identity-graph.ts';
import { loadSettings } from '../../src/core/settings/load-settings.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { openRedisKv } from '../../src/node/stores/redis-kv.ts';
import { openSqliteKv } from '../../src/node/stores/sqlite-kv.ts';
import { redisSkip, startRedis, type TestRedis } from '../helpers/redis.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { endpointToml, ID, OTHER, seedEntry, TOKEN_SSP, TOKEN_SYNC } from './endpoint-fixtures.ts';

const BATCH = '/_ts/api/v1/batch-sync';
const IDENTIFY = '/_ts/api/v1/identify';
const GEO = '\n[geo]\nmode = "fixed"\ncountry = "CA"\n';

const mapping = (ecId: string, uid: string) => ({ ec_id: ecId, partner_uid: uid, timestamp: 1 });
const batchInit = (body: unknown, token = TOKEN_SYNC): RequestInit => ({
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** `n` distinct valid IDs. */
const ids = (n: number) =>
  Array.from({ length: n }, (_, index) => `${index.toString(16).padStart(64, '0')}.Ab12Cd`);

describe('partner endpoints over HTTP (SQLite store)', () => {
  let dir: string;
  let server: TestServer;
  let kv: KvStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ts-endpoints-'));
    const path = join(dir, 'graph.db');
    const toml = endpointToml({
      originUrl: 'http://127.0.0.1:9',
      extra: `${GEO}\n[store]\npath = "${path}"\n`,
    });
    server = await startTestServer(loadSettings(toml, { source: 'test.toml' }));
    kv = openSqliteKv({ path, busyTimeoutMs: 1000 });
  });
  after(async () => {
    await server.close();
    await kv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('batch sync with a real token writes; a wrong token is 401', async () => {
    const graph = createIdentityGraph(kv, { now: Date.now });
    await seedEntry(graph, ID);
    const ok = await fetch(
      `${server.url}${BATCH}`,
      batchInit({ mappings: [mapping(ID, 'u-http')] }),
    );
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { accepted: 1, rejected: 0, errors: [] });
    assert.equal((await graph.get(ID))?.entry.ids['sync.example']?.uid, 'u-http');
    const wrong = await fetch(`${server.url}${BATCH}`, batchInit({ mappings: [] }, 'nope'));
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_token');
  });

  it('1001 mappings are 400 batch_too_large; non-JSON is 400', async () => {
    const many = { mappings: ids(1001).map((id) => mapping(id, 'u')) };
    const tooMany = await fetch(`${server.url}${BATCH}`, batchInit(many));
    assert.equal(tooMany.status, 400);
    assert.equal(((await tooMany.json()) as { error: string }).error, 'batch_too_large');
    const garbage = await fetch(`${server.url}${BATCH}`, batchInit('<xml/>'));
    assert.equal(garbage.status, 400);
    assert.equal(garbage.headers.get('content-type'), 'application/json');
    assert.match(((await garbage.json()) as { message: string }).message, /not JSON/);
  });

  it('a 3 MiB body is refused with 413 while it is still being sent', async () => {
    const port = Number(new URL(server.url).port);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const total = 3 * 1024 * 1024;
    let written = 0;
    const { status, writtenAtResponse } = await new Promise<{
      status: number;
      writtenAtResponse: number;
    }>((resolve, reject) => {
      const request = http.request({
        host: '127.0.0.1',
        port,
        path: BATCH,
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${TOKEN_SYNC}`, 'content-type': 'application/json' },
      });
      request.on('response', (response) => {
        resolve({ status: response.statusCode ?? 0, writtenAtResponse: written });
        response.resume();
        request.destroy();
      });
      request.on('error', (error) => {
        if (written === 0) reject(error);
      });
      // Sends slowly, never past 3 MiB, and never ends the body: only the cap can answer it.
      const pump = () => {
        if (written >= total || request.destroyed) return;
        written += chunk.byteLength;
        request.write(chunk);
        setTimeout(pump, 2);
      };
      pump();
    });
    assert.equal(status, 413);
    assert.ok(writtenAtResponse < total, `answered after the whole body (${writtenAtResponse})`);
  });

  it('past the partner budget is 429 (ssp.example: 3 a minute)', async () => {
    const statuses: number[] = [];
    for (let call = 0; call < 4; call++) {
      const response = await fetch(`${server.url}${BATCH}`, batchInit({ mappings: [] }, TOKEN_SSP));
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });

  it('identify: CORS for the publisher’s https pages only', async () => {
    const graph = createIdentityGraph(kv, { now: Date.now });
    await seedEntry(graph, OTHER, { 'ssp.example': 'ssp-uid' });
    const ask = (origin: string) =>
      fetch(`${server.url}${IDENTIFY}`, {
        headers: { authorization: `Bearer ${TOKEN_SSP}`, cookie: `ts-ec=${OTHER}`, origin },
      });
    const ok = await ask('https://sub.publisher.test');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://sub.publisher.test');
    assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(((await ok.json()) as { uid: string }).uid, 'ssp-uid');
    for (const origin of [
      'http://sub.publisher.test',
      'https://evil.test',
      'https://SUB.publisher.test',
    ]) {
      const denied = await ask(origin);
      assert.equal(denied.status, 403, origin);
      assert.equal(denied.headers.get('access-control-allow-origin'), null, origin);
      assert.ok(!(await denied.text()).includes(OTHER));
    }
  });
});

describe('batch sync over HTTP with Redis hanging mid-batch', { skip: redisSkip }, () => {
  let redis: TestRedis;
  let server: TestServer;
  let kv: KvStore;
  before(async () => {
    redis = await startRedis();
    const toml = endpointToml({
      originUrl: 'http://127.0.0.1:9',
      extra: `${GEO}\n[store]\nurl = "${redis.url}"\ntimeout_ms = 250\n`,
    });
    server = await startTestServer(loadSettings(toml, { source: 'test.toml' }));
    kv = await openRedisKv({ url: redis.url, timeoutMs: 2000 });
  });
  after(async () => {
    redis.resume();
    await server.close();
    await kv.close();
    await redis.stop();
  });

  it('the mapping that met the failure and every later one are kv_unavailable; earlier ones kept', async () => {
    const all = ids(1000);
    const graph = createIdentityGraph(kv, { now: Date.now });
    for (const id of all) await seedEntry(graph, id);
    const pending = fetch(
      `${server.url}${BATCH}`,
      batchInit({ mappings: all.map((id, index) => mapping(id, `uid-${index}`)) }),
    );
    // Hang Redis once the batch is under way.
    const deadline = Date.now() + 10_000;
    while ((await graph.get(all[20] as string))?.entry.ids['sync.example'] === undefined) {
      if (Date.now() > deadline) throw new Error('the batch never started writing');
    }
    redis.pause();
    const response = await pending;
    redis.resume();
    assert.equal(response.status, 207);
    const body = (await response.json()) as {
      accepted: number;
      rejected: number;
      errors: Array<{ index: number; reason: string }>;
    };
    assert.ok(body.accepted >= 21 && body.accepted < 1000, `accepted ${body.accepted}`);
    assert.equal(body.rejected, 1000 - body.accepted);
    assert.deepEqual(
      body.errors,
      all.slice(body.accepted).map((_, offset) => ({
        index: body.accepted + offset,
        reason: 'kv_unavailable',
      })),
    );
    // What was accepted is stored; nothing after the failure was written.
    for (const index of [0, body.accepted - 1]) {
      const stored = await graph.get(all[index] as string);
      assert.equal(stored?.entry.ids['sync.example']?.uid, `uid-${index}`, `index ${index}`);
    }
    for (let index = body.accepted + 1; index < Math.min(1000, body.accepted + 50); index++) {
      const stored = await graph.get(all[index] as string);
      assert.equal(stored?.entry.ids['sync.example'], undefined, `index ${index} was written`);
    }
  });
});
