/**
 * Hostile cases against the Edge Cookie's partner and admin endpoints (Node adapter, loopback):
 * tokens that almost match, identify asked from a foreign page, batch-sync body bombs, admin paths
 * encoded to slip past routing with the operator's credentials, and pull sync configured toward a
 * host its allow-list does not name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createPartnerRegistry } from '../../src/core/identity/partners.ts';
import { loadSettings } from '../../src/core/settings/load-settings.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  ADMIN_AUTH,
  endpointSettings,
  endpointToml,
  ID,
  TOKEN_SSP,
  TOKEN_SYNC,
} from '../identity/endpoint-fixtures.ts';
import { rawExchange, within } from './harness.ts';

describe('identity endpoints under attack (node)', () => {
  let origin: TestOrigin;
  let server: TestServer;
  before(async () => {
    origin = await startOrigin((_req, res) => res.end('origin'));
    const toml = endpointToml({
      originUrl: origin.url,
      extra: '\n[geo]\nmode = "fixed"\ncountry = "CA"\n[store]\npath = ":memory:"\n',
    });
    server = await startTestServer(loadSettings(toml, { source: 'test.toml' }));
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  const batch = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/_ts/api/v1/batch-sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN_SYNC}`, ...headers },
      body,
    });

  it('tokens that almost match are refused alike: prefix, suffix, case, padding, scheme', async () => {
    const near = [
      TOKEN_SYNC.slice(0, -1),
      `${TOKEN_SYNC}x`,
      TOKEN_SYNC.toUpperCase(),
      `${TOKEN_SYNC.slice(0, -1)}${TOKEN_SYNC.endsWith('2') ? '3' : '2'}`,
      `${TOKEN_SYNC} ${TOKEN_SYNC}`,
      `"${TOKEN_SYNC}"`,
    ];
    for (const token of near) {
      const response = await batch('{"mappings":[]}', { authorization: `Bearer ${token}` });
      assert.equal(response.status, 401, token);
    }
    for (const authorization of [
      `Basic ${TOKEN_SYNC}`,
      TOKEN_SYNC,
      `Bearer`,
      `Token ${TOKEN_SYNC}`,
    ]) {
      assert.equal((await batch('{"mappings":[]}', { authorization })).status, 401, authorization);
    }
    assert.equal(
      (await batch('{"mappings":[]}', { authorization: `bearer   ${TOKEN_SYNC}` })).status,
      200,
    );
  });

  it('tokens are looked up by their SHA-256, so a near miss finds nothing', async () => {
    // No timing assertion here (timings belong in the bench): the lookup is a Map keyed by the
    // token's digest (partners.ts), so no byte of a presented token is compared with a real one.
    const registry = await createPartnerRegistry(endpointSettings().ec.partners);
    for (const token of [
      `${TOKEN_SSP.slice(0, -1)}!`,
      `!${TOKEN_SSP.slice(1)}`,
      TOKEN_SSP.toUpperCase(),
      `${TOKEN_SSP} `,
      TOKEN_SSP.slice(0, 16),
    ]) {
      assert.equal(await registry.byToken(token), undefined, token.slice(0, 8));
    }
    assert.equal((await registry.byToken(TOKEN_SSP))?.source_domain, 'ssp.example');
  });

  it('identify from a foreign page: 403, no CORS grant, no ID, for GET and preflight', async () => {
    for (const foreign of [
      'https://evil.test',
      'https://publisher.test.evil.test',
      'https://evilpublisher.test',
      'http://www.publisher.test',
      'https://WWW.PUBLISHER.TEST',
      'null',
    ]) {
      const get = await fetch(`${server.url}/_ts/api/v1/identify`, {
        headers: { authorization: `Bearer ${TOKEN_SSP}`, cookie: `ts-ec=${ID}`, origin: foreign },
      });
      assert.equal(get.status, 403, foreign);
      assert.equal(get.headers.get('access-control-allow-origin'), null, foreign);
      assert.ok(!(await get.text()).includes(ID.slice(0, 16)), foreign);
      const preflight = await fetch(`${server.url}/_ts/api/v1/identify`, {
        method: 'OPTIONS',
        headers: { origin: foreign, 'access-control-request-headers': 'authorization' },
      });
      assert.equal(preflight.status, 403, foreign);
      assert.equal(preflight.headers.get('access-control-allow-origin'), null, foreign);
    }
  });

  it('batch-sync body bombs: nesting, a giant UID, a gzip bomb, a lying length', async () => {
    const nested = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
    const deep = await within(batch(nested), 5000, 'deep nesting hung the server');
    assert.equal(deep.status, 400);
    const giant = JSON.stringify({
      mappings: [{ ec_id: ID, partner_uid: 'u'.repeat(1_900_000), timestamp: 1 }],
    });
    const giantAnswer = await batch(giant);
    assert.equal(giantAnswer.status, 207);
    assert.deepEqual(((await giantAnswer.json()) as { errors: unknown[] }).errors, [
      { index: 0, reason: 'invalid_partner_uid' },
    ]);
    // Request bodies are never decoded: 100 MB of zeros in 100 kB of gzip is just not JSON.
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024));
    const bombAnswer = await batch(bomb, { 'content-encoding': 'gzip' });
    assert.equal(bombAnswer.status, 400);
    // A declared length over the cap is answered at once, without waiting for a body.
    const port = Number(new URL(server.url).port);
    const lying = await rawExchange(
      port,
      `POST /_ts/api/v1/batch-sync HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN_SYNC}\r\nContent-Length: 104857600\r\n\r\n{`,
      2000,
    );
    assert.match(lying.text, /^HTTP\/1\.1 413 /);
    assert.match(lying.text, /body_too_large/);
  });

  it('admin paths encoded with the operator’s credentials never reach the origin', async () => {
    const before = origin.seen.length;
    for (const path of [
      '/_ts/admin%252Fec',
      '/_ts%252Fadmin/ec',
      `/_ts/admin%252Fec%252F${ID}`,
      '/_ts/admin%25252Feids',
      '/_ts/admin/ec/',
      `/_ts/admin/ec/${ID}/../../secret`,
      '/_ts/admin/unknown',
      '/admin/keys/rotate',
      '/admin%252Fkeys/rotate',
    ]) {
      for (const method of ['GET', 'POST']) {
        const response = await fetch(`${server.url}${path}`, {
          method,
          headers: { authorization: ADMIN_AUTH },
          ...(method === 'POST' ? { body: 'secret body' } : {}),
        });
        assert.ok(
          [400, 401, 404, 405].includes(response.status),
          `${method} ${path}: ${response.status}`,
        );
        await response.arrayBuffer();
      }
    }
    assert.equal(origin.seen.length, before, origin.seen.map((seen) => seen.url).join(', '));
  });

  it('pull sync can never be pointed at a host outside its allow-list, or over http', () => {
    const partner = (url: string, allowed: string) => `
[[ec.partners]]
name = "Puller"
source_domain = "puller.example"
api_token = "puller-api-token-0123456789abcdef012345"
pull_sync_enabled = true
pull_sync_url = "${url}"
pull_sync_allowed_domains = [${allowed}]
ts_pull_token = "pull-token-0123456789abcdef0123456789"
`;
    for (const [url, allowed] of [
      ['https://evil.test/pull', '"sync.partner.test"'],
      ['https://sync.partner.test.evil.test/pull', '"sync.partner.test"'],
      ['http://sync.partner.test/pull', '"sync.partner.test"'],
      ['https://user:pw@sync.partner.test/pull', '"sync.partner.test"'],
      ['https://sync.partner.test/pull', ''],
    ] as const) {
      assert.throws(
        () => loadSettings(endpointToml({ partners: partner(url, allowed) }), { source: 't.toml' }),
        /pull_sync_url/,
        url,
      );
    }
  });
});
