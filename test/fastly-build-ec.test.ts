/**
 * The Fastly package with the Edge Cookie on: it builds for real (esbuild, then js-compute-runtime
 * running the entry's top-level code in Fastly's engine), and `[ec] ec_store` names the KV Store
 * it opens and the manifest links, unless `--kv-store` says otherwise.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import {
  buildFastly,
  chooseKvStore,
  DEFAULT_KV_STORE,
  type FastlyBuild,
} from '../src/build/fastly-package.ts';
import { embedFastlySettings } from '../src/fastly/settings/embed.ts';
import { baseToml, PASSWORD } from './helpers/settings.ts';

const EC_CONFIG = baseToml(
  'https://origin.publisher.test',
  `ec_store = "identity_graph"

[[handlers]]
path = "^/_ts/admin"
username = "admin"
password = "${PASSWORD}"
`,
);

interface KvManifest {
  setup: { kv_stores: Record<string, unknown> };
  local_server: { kv_stores: Record<string, unknown> };
  scripts: { build: string };
}

describe('Fastly package with the Edge Cookie on', () => {
  let dir: string;
  let built: FastlyBuild;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-fastly-ec-'));
    await writeFile(join(dir, 'trusted-server.toml'), EC_CONFIG);
    built = await buildFastly({
      config: join(dir, 'trusted-server.toml'),
      outDir: join(dir, 'out'),
      env: {},
    });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds a Wasm module with the lifecycle in it', async () => {
    const wasm = await readFile(built.wasm);
    assert.deepEqual([...wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
    assert.ok(wasm.byteLength > 1_000_000, `only ${wasm.byteLength} bytes`);
    const bundle = await readFile(join(dir, 'out/bin/index.js'), 'utf8');
    assert.ok(bundle.includes('edge cookie minted'), 'the Edge Cookie lifecycle is bundled');
    assert.equal(built.settings.ec.ec_store, 'identity_graph');
  });

  it('opens and links the KV Store [ec] ec_store names, not the default', async () => {
    assert.equal(built.embedded.platform.stores.kv, 'identity_graph');
    const bundle = await readFile(join(dir, 'out/bin/index.js'), 'utf8');
    assert.match(bundle, /kv: "identity_graph"/);
    const manifest = parseToml(await readFile(built.manifest, 'utf8')) as unknown as KvManifest;
    assert.deepEqual(Object.keys(manifest.setup.kv_stores), ['identity_graph']);
    assert.deepEqual(manifest.local_server.kv_stores['identity_graph'], []);
    // The rebuild script passes no --kv-store, so a rebuild keeps following the config.
    assert.doesNotMatch(manifest.scripts.build, /--kv-store/);
  });

  it('an explicit --kv-store wins over ec_store, in the package and its rebuild script', async () => {
    const flagged = await buildFastly({
      config: join(dir, 'trusted-server.toml'),
      outDir: join(dir, 'flagged'),
      kvStore: 'edge_kv',
      env: {},
    });
    const bundle = await readFile(join(dir, 'flagged/bin/index.js'), 'utf8');
    assert.match(bundle, /kv: "edge_kv"/);
    const manifest = parseToml(await readFile(flagged.manifest, 'utf8')) as unknown as KvManifest;
    assert.deepEqual(Object.keys(manifest.setup.kv_stores), ['edge_kv']);
    assert.match(manifest.scripts.build, /--kv-store edge_kv$/);
  });

  it('the choice: flag, then ec_store, then the default; none means none', () => {
    assert.equal(chooseKvStore('edge_kv', 'identity_graph'), 'edge_kv');
    assert.equal(chooseKvStore(null, 'identity_graph'), null);
    assert.equal(chooseKvStore(undefined, 'identity_graph'), 'identity_graph');
    assert.equal(chooseKvStore(undefined, undefined), DEFAULT_KV_STORE);
  });

  it('an ec_store Fastly cannot name is refused, naming ec.ec_store', async () => {
    const bad = join(dir, 'bad.toml');
    await writeFile(bad, EC_CONFIG.replace('"identity_graph"', '"9-graph"'));
    await assert.rejects(
      buildFastly({ config: bad, outDir: join(dir, 'bad-out'), env: {} }),
      /ec\.ec_store: "9-graph" is not a valid Fastly store name/,
    );
    // With the flag, ec_store's name is not used, so nothing is wrong with the build inputs.
    const flagged = embedFastlySettings(await readFile(bad, 'utf8'), {
      source: bad,
      env: {},
      secretStore: 'trusted_server_secrets',
      configStore: null,
      kvStore: 'edge_kv',
      dev: false,
    });
    assert.equal(flagged.embedded.platform.stores.kv, 'edge_kv');
  });
});
