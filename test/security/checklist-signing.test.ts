/**
 * Hostile cases against request signing's endpoints (Node adapter, loopback, a SQLite store): the
 * admin routes without credentials, the retired `/admin/keys/*` aliases (answered here, never
 * forwarded: the origin must see nothing), malformed and oversized bodies, kids with illegal
 * characters, a seed in no response and no log line, and two servers rotating at once over one
 * SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Secret } from '../../src/core/settings/secret.ts';
import { createKvKeyStore } from '../../src/core/signing/kv-keystore.ts';
import { openSqliteKv } from '../../src/node/stores/sqlite-kv.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { PASSWORD, testSettings } from '../helpers/settings.ts';
import { FIXTURE_KID, FIXTURE_SEED } from '../signing/fixture-key.ts';
import { ADMIN_AUTH, post, signingSettings } from '../signing/signing-fixtures.ts';

const WEEK_MS = 7 * 24 * 3600 * 1000;

describe('signing endpoints under attack (node)', () => {
  let origin: TestOrigin;
  let server: TestServer;
  let second: TestServer;
  let dir: string;
  let dbPath: string;
  /** Every response body the tests received, for the seed scan. */
  const bodies: string[] = [];

  const call = async (path: string, body: string | undefined, headers?: Record<string, string>) => {
    const answer = await post(server.url, path, body, headers);
    bodies.push(answer.text);
    return answer;
  };

  before(async () => {
    origin = await startOrigin((_req, res) => res.end('origin'));
    dir = await mkdtemp(join(tmpdir(), 'ts-signing-attack-'));
    dbPath = join(dir, 'keys.db');
    const kv = openSqliteKv({ path: dbPath, busyTimeoutMs: 1000 });
    await createKvKeyStore(kv, { overlapMs: WEEK_MS }).importKey(
      FIXTURE_KID,
      new Secret(FIXTURE_SEED),
    );
    await kv.close();
    const settings = signingSettings(`[store]\npath = "${dbPath}"\n`, '', origin.url);
    server = await startTestServer(settings);
    second = await startTestServer(settings);
  });
  after(async () => {
    await server.close();
    await second.close();
    await origin.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('admin key routes without credentials, or with wrong ones, are 401', async () => {
    const wrong = `Basic ${Buffer.from('admin:wrong').toString('base64')}`;
    for (const path of ['/_ts/admin/keys/rotate', '/_ts/admin/keys/deactivate']) {
      for (const headers of [{}, { authorization: wrong }] as Array<Record<string, string>>) {
        const answer = await call(path, '{"kid":"x1"}', headers);
        assert.equal(answer.status, 401, `${path} ${JSON.stringify(headers)}`);
      }
    }
    const ring = await readRing();
    assert.equal(ring.keys.has('x1'), false, 'nothing rotated');
  });

  it('the retired /admin/keys/* aliases are 404 and never reach the origin', async () => {
    const before = origin.seen.length;
    for (const path of ['/admin/keys/rotate', '/admin/keys/deactivate', '/ADMIN/keys/rotate']) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
        const response = await fetch(`${server.url}${path}`, {
          method,
          headers: { authorization: ADMIN_AUTH },
          ...(method === 'GET' ? {} : { body: '{"kid":"x2"}' }),
        });
        bodies.push(await response.text());
        assert.equal(response.status, 404, `${method} ${path}`);
      }
    }
    // Another method on the real admin paths is not forwarded either: 405, as for every
    // endpoint in the namespace, naming the method the route takes.
    const get = await fetch(`${server.url}/_ts/admin/keys/rotate`, {
      headers: { authorization: ADMIN_AUTH },
    });
    bodies.push(await get.text());
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal(origin.seen.length, before, origin.seen.map((seen) => seen.url).join(', '));
  });

  it('malformed JSON is a 400 that names what is wrong', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['/verify-signature', '{"payload":', /^Bad request: invalid JSON request body/],
      [
        '/verify-signature',
        '{"payload":"p","signature":"s"}',
        /^Bad request: "kid" must be a string/,
      ],
      ['/verify-signature', '[1,2]', /^Bad request: request body must be a JSON object/],
      ['/_ts/admin/keys/rotate', '{"kid":', /"error":"invalid JSON request body"/],
      ['/_ts/admin/keys/rotate', '{"kid":42}', /"error":"\\"kid\\" must be a string"/],
      ['/_ts/admin/keys/deactivate', '{}', /"error":"\\"kid\\" must be a string"/],
      [
        '/_ts/admin/keys/deactivate',
        '{"kid":"a","delete":"yes"}',
        /"delete\\" must be true or false/,
      ],
    ];
    for (const [path, body, expected] of cases) {
      const answer = await call(path, body);
      assert.equal(answer.status, 400, `${path} ${body}: ${answer.text}`);
      assert.match(answer.text, expected);
    }
  });

  it('a kid with illegal characters is refused with the rule it breaks', async () => {
    for (const kid of ['bad kid', 'a,b', 'k\u0000', 'Upper', 'x'.repeat(129), '', '../etc']) {
      const rotate = await call('/_ts/admin/keys/rotate', JSON.stringify({ kid }));
      assert.equal(rotate.status, 400, kid);
      assert.match(String(rotate.json()['error']), /^kid must/);
    }
    const deactivate = await call('/_ts/admin/keys/deactivate', '{"kid":"a,b"}');
    assert.equal(deactivate.status, 400);
    const verify = await call(
      '/verify-signature',
      JSON.stringify({ payload: 'p', signature: 'AA', kid: 'a,b' }),
      {},
    );
    assert.equal(verify.status, 200);
    assert.equal(verify.json()['verified'], false);
    assert.match(String(verify.json()['error']), /^kid must contain only/);
    const ring = await readRing();
    assert.deepEqual([...ring.keys.keys()], [FIXTURE_KID]);
  });

  it('huge bodies are 413 before anything is parsed or stored', async () => {
    const big = JSON.stringify({ kid: 'k1', pad: 'x'.repeat(8000) });
    for (const path of [
      '/verify-signature',
      '/_ts/admin/keys/rotate',
      '/_ts/admin/keys/deactivate',
    ]) {
      const answer = await call(path, big);
      assert.equal(answer.status, 413, path);
    }
    // Streamed without a length: cut at the cap all the same.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 64; i++) controller.enqueue(new Uint8Array(1024).fill(0x20));
        controller.close();
      },
    });
    const streamed = await fetch(`${server.url}/_ts/admin/keys/rotate`, {
      method: 'POST',
      headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    bodies.push(await streamed.text());
    assert.equal(streamed.status, 413);
    assert.equal((await readRing()).keys.size, 1);
  });

  it('cross-site requests to the admin key routes are refused before any handler runs', async () => {
    const json = { authorization: ADMIN_AUTH, 'content-type': 'application/json' };
    const cases: Array<[Record<string, string>, number, RegExp]> = [
      // <form enctype="text/plain">, as a page the admin visits can send with cached credentials
      [
        {
          authorization: ADMIN_AUTH,
          'content-type': 'text/plain',
          origin: 'https://attacker.example',
          'sec-fetch-site': 'cross-site',
        },
        415,
        /application\/json/,
      ],
      [{ authorization: ADMIN_AUTH, 'content-type': 'text/plain' }, 415, /application\/json/],
      [
        { authorization: ADMIN_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
        415,
        /application\/json/,
      ],
      [{ authorization: ADMIN_AUTH }, 415, /application\/json/],
      [{ ...json, 'sec-fetch-site': 'cross-site' }, 403, /Sec-Fetch-Site: cross-site/],
      [{ ...json, 'sec-fetch-site': 'same-site' }, 403, /Sec-Fetch-Site: same-site/],
      [{ ...json, origin: 'https://attacker.example' }, 403, /Origin/],
      [{ ...json, origin: 'null' }, 403, /Origin/],
    ];
    for (const path of ['/_ts/admin/keys/rotate', '/_ts/admin/keys/deactivate']) {
      for (const [headers, status, error] of cases) {
        const response = await fetch(`${server.url}${path}`, {
          method: 'POST',
          headers,
          body: `{"kid":"csrf-${status}"}`,
        });
        const text = await response.text();
        bodies.push(text);
        assert.equal(response.status, status, `${path} ${JSON.stringify(headers)}: ${text}`);
        assert.match(text, error);
        assert.equal(text.trim().split('\n').length, 1, text);
      }
    }
    assert.deepEqual([...(await readRing()).keys.keys()], [FIXTURE_KID]);
    // curl sends neither Origin nor Sec-Fetch-Site; the server's own origin and same-origin pass.
    const own = new URL(server.url).origin;
    const extras: Array<Record<string, string>> = [
      {},
      { origin: own, 'sec-fetch-site': 'same-origin' },
      // A load balancer terminating TLS: the browser says https, this server sees http.
      { origin: own.replace(/^http:/, 'https:'), 'sec-fetch-site': 'same-origin' },
    ];
    for (const extra of extras) {
      const answer = await call('/_ts/admin/keys/deactivate', '{"kid":"no-such-kid"}', {
        ...json,
        ...extra,
      });
      assert.equal(answer.status, 404, answer.text);
    }
  });

  it('signing switched off: the admin key routes answer upstream 500, never the origin', async () => {
    const off = await startTestServer(
      testSettings(
        origin.url,
        `[[handlers]]\npath = "^/_ts/admin"\nusername = "admin"\npassword = "${PASSWORD}"\n`,
      ),
    );
    try {
      const before = origin.seen.length;
      const answer = await post(off.url, '/_ts/admin/keys/rotate', '{}');
      bodies.push(answer.text);
      assert.equal(answer.status, 500);
      assert.equal(answer.json()['error'], 'missing signing storage configuration');
      // Discovery and verify stay the publisher's paths while signing is off.
      const discovery = await fetch(`${off.url}/.well-known/trusted-server.json`);
      assert.equal(await discovery.text(), 'origin');
      assert.equal(origin.seen.length, before + 1);
    } finally {
      await off.close();
    }
  });

  it('two servers rotating at once over one SQLite file leave one consistent ring', async () => {
    const kids = Array.from({ length: 12 }, (_, index) => `race-${index}`);
    const answers = await Promise.all(
      kids.map((kid, index) =>
        post(
          (index % 2 === 0 ? server : second).url,
          '/_ts/admin/keys/rotate',
          JSON.stringify({ kid }),
        ),
      ),
    );
    for (const answer of answers) bodies.push(answer.text);
    assert.deepEqual(
      answers.map((answer) => answer.status),
      kids.map(() => 200),
      answers.map((answer) => answer.text).join('\n'),
    );
    const ring = await readRing();
    assert.deepEqual([...ring.active].sort(), [FIXTURE_KID, ...kids].sort());
    assert.ok(ring.current !== undefined && kids.includes(ring.current));
    // Each rotation saw exactly one predecessor: the previous kids chain through all of them.
    const previous = answers.map((answer) => answer.json()['previous_kid']);
    assert.equal(new Set(previous).size, kids.length, 'no two rotations replaced the same key');
    for (const key of ring.keys.values()) {
      assert.equal(key.retiredAt === undefined, key.kid === ring.current, key.kid);
    }
  });

  it('no response body and no log line ever carries a seed', async () => {
    const ring = await readRing();
    const seeds = [...ring.keys.values()].map((key) => key.seed.reveal());
    assert.ok(seeds.length > 10);
    const forms = seeds.flatMap((seed) => [
      seed,
      seed.slice(0, 24),
      Buffer.from(seed, 'base64').toString('base64url').slice(0, 24),
      Buffer.from(seed, 'base64').toString('hex').slice(0, 24),
    ]);
    const everything = [...bodies, ...server.logs, ...second.logs];
    for (const form of forms) {
      for (const text of everything)
        assert.ok(!text.includes(form), `seed material in: ${text.slice(0, 200)}`);
    }
  });

  async function readRing() {
    const kv = openSqliteKv({ path: dbPath, busyTimeoutMs: 1000 });
    try {
      const ring = await createKvKeyStore(kv, { overlapMs: WEEK_MS }).ring();
      if (ring === undefined) throw new Error('no ring');
      return ring;
    } finally {
      await kv.close();
    }
  }
});
