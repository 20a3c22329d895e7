/**
 * Request signing on Cloudflare: the production Worker bundle in a real workerd, the key ring in
 * the SQLite-backed Durable Object bound as `TS_KV`. Discovery, a rotation through the admin
 * route, and verify-signature with a signature node:crypto makes from the seed read back out of
 * the Durable Object's own SQLite file. Skipped, with the reason, where workerd cannot run.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { buildWorker } from '../../src/build/worker.ts';
import { startWorkerd, type RunningWorkerd } from '../../src/build/workerd.ts';
import { parseKeyRing } from '../../src/core/signing/key-ring.ts';
import { KEY_RING_KEY } from '../../src/core/signing/kv-keystore.ts';
import { baseToml } from '../helpers/settings.ts';
import { workerdUnavailable } from '../helpers/workerd-process.ts';
import { opensslVerifies } from './independent-verify.ts';
import { opensslSign, post, signingToml } from './signing-fixtures.ts';

const unavailable = workerdUnavailable();
if (unavailable !== undefined) console.log(`# skipping the workerd signing test: ${unavailable}`);

/** The key ring's row, read from whichever Durable Object SQLite file holds it. */
async function storedRing(dir: string): Promise<string | undefined> {
  const files: string[] = [];
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) await walk(child);
      else if (entry.name.endsWith('.sqlite')) files.push(child);
    }
  };
  await walk(join(dir, 'objects'));
  for (const file of files) {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const hasKv = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'")
        .get();
      if (hasKv === undefined) continue;
      const row = db.prepare('SELECT value FROM kv WHERE key = ?').get(KEY_RING_KEY);
      if (row !== undefined) return String(row['value']);
    } finally {
      db.close();
    }
  }
  return undefined;
}

describe('request signing in workerd with the Durable Object store', { skip: unavailable }, () => {
  let dir: string;
  let workerd: RunningWorkerd;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-signing-workerd-'));
    const config = join(dir, 'trusted-server.toml');
    await writeFile(config, baseToml('http://127.0.0.1:9', signingToml('')));
    const built = await buildWorker({ config, outDir: dir });
    workerd = await startWorkerd(built);
  });
  after(async () => {
    await workerd?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('no keys yet: discovery is a generic 500', async () => {
    const response = await fetch(`${workerd.url}/.well-known/trusted-server.json`);
    assert.equal(response.status, 500);
    assert.equal(await response.text(), 'An internal error occurred\n');
  });

  it('rotates into the Durable Object, publishes, and verifies a node:crypto signature', async () => {
    const rotated = await post(workerd.url, '/_ts/admin/keys/rotate', '{"kid":"edge-key"}');
    assert.equal(rotated.status, 200, rotated.text);
    const jwk = rotated.json()['jwk'] as { x: string };
    const response = await fetch(`${workerd.url}/.well-known/trusted-server.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('cache-control') ?? '', /^public, max-age=3600$/);
    const document = (await response.json()) as {
      jwks: { keys: Array<{ kid: string; x: string }> };
    };
    assert.deepEqual(document.jwks.keys, [
      { kty: 'OKP', crv: 'Ed25519', x: jwk.x, alg: 'EdDSA', kid: 'edge-key' },
    ]);

    const text = await storedRing(workerd.dir);
    assert.ok(text, 'the ring is in a Durable Object');
    const seed = parseKeyRing(text).keys.get('edge-key')?.seed.reveal() ?? '';
    const payload =
      '{"version":"1.1","kid":"edge-key","host":"publisher.com","scheme":"https","id":"a-1","ts":1}';
    const signature = opensslSign(seed, payload);
    assert.ok(opensslVerifies(jwk.x, payload, signature));
    const verified = await post(
      workerd.url,
      '/verify-signature',
      JSON.stringify({ payload, signature, kid: 'edge-key' }),
      {},
    );
    assert.deepEqual(verified.json(), {
      verified: true,
      kid: 'edge-key',
      message: 'Signature verified successfully',
    });
    assert.ok(!rotated.text.includes(seed) && !verified.text.includes(seed));
  });

  it('the current key cannot be deactivated; a second rotation retires it', async () => {
    const refused = await post(workerd.url, '/_ts/admin/keys/deactivate', '{"kid":"edge-key"}');
    assert.equal(refused.status, 409);
    const second = await post(workerd.url, '/_ts/admin/keys/rotate', '{}');
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json()['previous_kid'], 'edge-key');
    const early = await post(workerd.url, '/_ts/admin/keys/deactivate', '{"kid":"edge-key"}');
    assert.equal(early.status, 409);
    assert.match(String(early.json()['error']), /verifiers may still hold it/);
  });
});
