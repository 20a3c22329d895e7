/**
 * The Fastly package with request signing on: it builds for real with the read-only keystore
 * bundled, links the Config and Secret Stores under the fixed names `jwks_store` and
 * `signing_keys` (as upstream; `config_store_id`/`secret_store_id` are Fastly API store IDs), and a
 * config that leaves either ID out is refused, naming the key.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { buildFastly, type FastlyBuild } from '../../src/build/fastly-package.ts';
import { baseToml, PASSWORD } from '../helpers/settings.ts';

const ADMIN = `[[handlers]]
path = "^/_ts/admin"
username = "admin"
password = "${PASSWORD}"
`;
const SIGNING = `[request_signing]
enabled = true
config_store_id = "01GXXXCONFIGSTOREID"
secret_store_id = "01GYYYSECRETSTOREID"
`;

interface SigningManifest {
  setup: { config_stores: Record<string, unknown>; secret_stores: Record<string, unknown> };
  local_server: { config_stores: Record<string, unknown>; secret_stores: Record<string, unknown> };
}

describe('Fastly package with request signing on', () => {
  let dir: string;
  let built: FastlyBuild;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-fastly-signing-'));
    await writeFile(
      join(dir, 'ts.toml'),
      baseToml('https://origin.publisher.test', ADMIN + SIGNING),
    );
    built = await buildFastly({ config: join(dir, 'ts.toml'), outDir: join(dir, 'out'), env: {} });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds a Wasm module with the keystore and the signing routes in it', async () => {
    const wasm = await readFile(built.wasm);
    assert.deepEqual([...wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
    const bundle = await readFile(join(dir, 'out/bin/index.js'), 'utf8');
    assert.ok(bundle.includes('/.well-known/trusted-server.json'));
    assert.ok(bundle.includes('key management is not supported on Fastly'));
  });

  it('links jwks_store and signing_keys, not stores named after the API store IDs', async () => {
    const text = await readFile(built.manifest, 'utf8');
    const manifest = parseToml(text) as unknown as SigningManifest;
    assert.ok('jwks_store' in manifest.setup.config_stores);
    assert.ok('signing_keys' in manifest.setup.secret_stores);
    assert.ok('jwks_store' in manifest.local_server.config_stores);
    assert.deepEqual(manifest.local_server.secret_stores['signing_keys'], []);
    assert.doesNotMatch(text, /01G/);
  });

  for (const key of ['config_store_id', 'secret_store_id']) {
    it(`refuses a config without ${key}, naming it`, async () => {
      const file = join(dir, `no-${key}.toml`);
      const without = SIGNING.split('\n')
        .filter((line) => !line.startsWith(key))
        .join('\n');
      await writeFile(file, baseToml('https://origin.publisher.test', ADMIN + without));
      await assert.rejects(
        buildFastly({ config: file, outDir: join(dir, `out-${key}`), env: {} }),
        new RegExp(`request_signing\\.${key}`),
      );
    });
  }
});
