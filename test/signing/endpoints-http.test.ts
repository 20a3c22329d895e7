/**
 * The signing endpoints over HTTP on the real Node server, once with a SQLite file and once with
 * a real redis-server as `[store]`: keys imported into the store before the server starts (as
 * `trusted-server keys import` does), discovery, verify-signature with signatures made by
 * node:crypto, rotation and deactivation through the admin routes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Secret } from '../../src/core/settings/secret.ts';
import { createKvKeyStore } from '../../src/core/signing/kv-keystore.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { openRedisKv } from '../../src/node/stores/redis-kv.ts';
import { openSqliteKv } from '../../src/node/stores/sqlite-kv.ts';
import { redisSkip, startRedis, type TestRedis } from '../helpers/redis.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  FIXTURE_KID,
  FIXTURE_PAYLOAD,
  FIXTURE_SEED,
  FIXTURE_SIGNATURE,
  FIXTURE_X,
} from './fixture-key.ts';
import { opensslVerifies } from './independent-verify.ts';
import {
  opensslSign,
  opensslX,
  post,
  SECOND_KID,
  SECOND_SEED,
  signingSettings,
} from './signing-fixtures.ts';

const WEEK_MS = 7 * 24 * 3600 * 1000;

interface StoreCase {
  name: string;
  skip: string | false;
  setUp(): Promise<{ toml: string; open(): Promise<KvStore>; tearDown(): Promise<void> }>;
}

const STORES: StoreCase[] = [
  {
    name: 'SQLite',
    skip: false,
    async setUp() {
      const dir = await mkdtemp(join(tmpdir(), 'ts-signing-'));
      const path = join(dir, 'keys.db');
      return {
        toml: `[store]\npath = "${path}"\n`,
        open: () => Promise.resolve(openSqliteKv({ path, busyTimeoutMs: 1000 })),
        tearDown: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'Redis',
    skip: redisSkip,
    async setUp() {
      const redis: TestRedis = await startRedis();
      return {
        toml: `[store]\nurl = "${redis.url}"\n`,
        open: () => openRedisKv({ url: redis.url, timeoutMs: 1000 }),
        tearDown: () => redis.stop(),
      };
    },
  },
];

const verifyBody = (payload: string, signature: string, kid: string) =>
  JSON.stringify({ payload, signature, kid });

for (const store of STORES) {
  describe(`signing endpoints over HTTP, ${store.name} store`, { skip: store.skip }, () => {
    let server: TestServer;
    let env: Awaited<ReturnType<StoreCase['setUp']>>;

    before(async () => {
      env = await store.setUp();
      // What `keys import` does: the upstream fixture key first (current), then a second one.
      const kv = await env.open();
      const keystore = createKvKeyStore(kv, { overlapMs: WEEK_MS });
      await keystore.importKey(FIXTURE_KID, new Secret(FIXTURE_SEED));
      await keystore.importKey(SECOND_KID, new Secret(SECOND_SEED));
      await kv.close();
      server = await startTestServer(signingSettings(env.toml));
    });
    after(async () => {
      await server.close();
      await env.tearDown();
    });

    it('publishes the active keys, cacheable for less than the overlap, with an ETag', async () => {
      const response = await fetch(`${server.url}/.well-known/trusted-server.json`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/json');
      assert.equal(response.headers.get('cache-control'), 'public, max-age=3600');
      const document = (await response.json()) as {
        version: string;
        jwks: { keys: Array<Record<string, string>> };
      };
      assert.deepEqual(Object.keys(document), ['version', 'jwks']);
      assert.equal(document.version, '1.0');
      assert.deepEqual(
        document.jwks.keys.map((key) => [key['kid'], key['x']]),
        [
          [FIXTURE_KID, FIXTURE_X],
          [SECOND_KID, opensslX(SECOND_SEED)],
        ],
      );
      const etag = response.headers.get('etag') ?? '';
      assert.match(etag, /^"[0-9a-f]{24}"$/);
      const again = await fetch(`${server.url}/.well-known/trusted-server.json`, {
        headers: { 'if-none-match': etag },
      });
      assert.equal(again.status, 304);
      assert.equal(await again.text(), '');
    });

    it('verifies upstream vector as base64url and standard base64, refuses a changed one', async () => {
      const standard = Buffer.from(FIXTURE_SIGNATURE, 'base64url').toString('base64');
      for (const signature of [FIXTURE_SIGNATURE, standard]) {
        const answer = await post(
          server.url,
          '/verify-signature',
          verifyBody(FIXTURE_PAYLOAD, signature, FIXTURE_KID),
          {},
        );
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.json(), {
          verified: true,
          kid: FIXTURE_KID,
          message: 'Signature verified successfully',
        });
      }
      const tampered = await post(
        server.url,
        '/verify-signature',
        verifyBody(FIXTURE_PAYLOAD.replace('123', '124'), FIXTURE_SIGNATURE, FIXTURE_KID),
        {},
      );
      assert.deepEqual(tampered.json(), {
        verified: false,
        kid: FIXTURE_KID,
        message: 'Signature verification failed',
        error: 'Invalid signature',
      });
      const unknown = await post(
        server.url,
        '/verify-signature',
        verifyBody(FIXTURE_PAYLOAD, FIXTURE_SIGNATURE, 'nope'),
        {},
      );
      assert.equal(unknown.status, 200);
      assert.equal(unknown.json()['error'], 'unknown kid');
    });

    it('rotates: a new current key, appended, published, signing verified by node:crypto', async () => {
      const rotated = await post(server.url, '/_ts/admin/keys/rotate', '{"kid":"http-rotated"}');
      assert.equal(rotated.status, 200, rotated.text);
      const body = rotated.json();
      assert.equal(body['success'], true);
      assert.equal(body['new_kid'], 'http-rotated');
      assert.equal(body['previous_kid'], FIXTURE_KID);
      assert.deepEqual(body['active_kids'], [FIXTURE_KID, SECOND_KID, 'http-rotated']);
      const jwk = body['jwk'] as Record<string, string>;
      assert.deepEqual(Object.keys(jwk), ['kty', 'crv', 'x', 'alg', 'kid']);
      const discovery = (await (
        await fetch(`${server.url}/.well-known/trusted-server.json`)
      ).json()) as {
        jwks: { keys: Array<{ kid: string }> };
      };
      assert.deepEqual(
        discovery.jwks.keys.map((key) => key.kid),
        [FIXTURE_KID, SECOND_KID, 'http-rotated'],
      );
      // The store now holds a seed no test wrote: sign with it through the keystore, check with
      // node:crypto against the published x.
      const kv = await env.open();
      const seed = await createKvKeyStore(kv, { overlapMs: WEEK_MS }).seed('http-rotated');
      await kv.close();
      const payload =
        '{"version":"1.1","kid":"http-rotated","host":"h","scheme":"https","id":"a","ts":1}';
      const signature = opensslSign(seed?.reveal() ?? '', payload);
      assert.ok(opensslVerifies(jwk['x'] ?? '', payload, signature));
      const verified = await post(
        server.url,
        '/verify-signature',
        verifyBody(payload, signature, 'http-rotated'),
        {},
      );
      assert.equal(verified.json()['verified'], true);
    });

    it('deactivates: unpublished, still verifiable; the retired key waits for its overlap', async () => {
      const retired = await post(
        server.url,
        '/_ts/admin/keys/deactivate',
        JSON.stringify({ kid: FIXTURE_KID }),
      );
      assert.equal(retired.status, 409);
      assert.match(
        String(retired.json()['error']),
        /^cannot deactivate 'ts-2025-10-A' before \d{4}-\d\d-\d\dT[\d:.]+Z: verifiers may still hold it/,
      );
      const current = await post(
        server.url,
        '/_ts/admin/keys/deactivate',
        '{"kid":"http-rotated","delete":true}',
      );
      assert.equal(current.status, 409);
      assert.match(String(current.json()['error']), /current signing key; rotate first/);

      const done = await post(
        server.url,
        '/_ts/admin/keys/deactivate',
        JSON.stringify({ kid: SECOND_KID }),
      );
      assert.equal(done.status, 200, done.text);
      assert.deepEqual(done.json(), {
        success: true,
        message: 'Key deactivated successfully',
        deactivated_kid: SECOND_KID,
        deleted: false,
        remaining_active_kids: [FIXTURE_KID, 'http-rotated'],
      });
      const discovery = await (await fetch(`${server.url}/.well-known/trusted-server.json`)).text();
      assert.ok(!discovery.includes(SECOND_KID));
      const payload =
        '{"version":"1.1","kid":"imported-b","host":"h","scheme":"https","id":"b","ts":2}';
      const signature = opensslSign(SECOND_SEED, payload);
      const stillVerifies = await post(
        server.url,
        '/verify-signature',
        verifyBody(payload, signature, SECOND_KID),
        {},
      );
      assert.equal(stillVerifies.json()['verified'], true);

      const deleted = await post(
        server.url,
        '/_ts/admin/keys/deactivate',
        JSON.stringify({ kid: SECOND_KID, delete: true }),
      );
      assert.equal(deleted.status, 200);
      assert.equal(deleted.json()['message'], 'Key deleted successfully');
      const gone = await post(
        server.url,
        '/verify-signature',
        verifyBody(payload, signature, SECOND_KID),
        {},
      );
      assert.equal(gone.json()['verified'], false);
      assert.equal(gone.json()['error'], 'unknown kid');
    });
  });
}

describe('verify-signature freshness window (verify_max_age_secs)', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-signing-fresh-'));
    const path = join(dir, 'keys.db');
    const kv = openSqliteKv({ path, busyTimeoutMs: 1000 });
    await createKvKeyStore(kv, { overlapMs: WEEK_MS }).importKey(
      SECOND_KID,
      new Secret(SECOND_SEED),
    );
    await kv.close();
    server = await startTestServer(
      signingSettings(`[store]\npath = "${path}"\n`, 'verify_max_age_secs = 300'),
    );
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const payloadAt = (ts: number) =>
    `{"version":"1.1","kid":"${SECOND_KID}","host":"h","scheme":"https","id":"x","ts":${ts}}`;

  it('verifies a payload signed now, refuses one from outside the window either way', async () => {
    const now = Date.now();
    const check = async (ts: number) => {
      const payload = payloadAt(ts);
      const answer = await post(
        server.url,
        '/verify-signature',
        verifyBody(payload, opensslSign(SECOND_SEED, payload), SECOND_KID),
        {},
      );
      assert.equal(answer.status, 200);
      return answer.json();
    };
    assert.equal((await check(now))['verified'], true);
    assert.equal((await check(now - 200_000))['verified'], true);
    for (const ts of [now - 400_000, now + 400_000]) {
      const answer = await check(ts);
      assert.equal(answer['verified'], false);
      assert.equal(answer['message'], 'Signature not fresh');
      assert.match(String(answer['error']), /more than 300 s from now \(verify_max_age_secs\)/);
    }
  });
});
