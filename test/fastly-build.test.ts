/**
 * `trusted-server build --target fastly` (alias `npm run build:fastly`): the Fastly Compute package is built for real (esbuild, then
 * `js-compute-runtime`, which also runs the entry module's top-level code inside Fastly's
 * JavaScript engine at build time). Running the Wasm needs Viceroy, which is not available here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { buildFastly, type FastlyBuild } from '../src/build/fastly-package.ts';
import { ROOT } from '../src/build/project-root.ts';
import type { ConfigError } from '../src/core/settings/load-settings.ts';
import { baseToml, PASSWORD, EC_PASSPHRASE, SECRET_PROXY } from './helpers/settings.ts';

const CONFIG = baseToml(
  'https://origin.publisher.test',
  `
[[handlers]]
path = "^/admin"
username = "admin"
password = "${PASSWORD}"

[proxy]
first_byte_timeout_ms = 8000
`,
);

interface Manifest {
  manifest_version: number;
  language: string;
  name: string;
  scripts: { build: string };
  setup: {
    secret_stores: Record<string, { entries: Record<string, unknown> }>;
    config_stores: Record<string, unknown>;
    kv_stores: Record<string, unknown>;
  };
  local_server: {
    secret_stores: Record<string, Array<Record<string, string>>>;
    kv_stores: Record<string, unknown>;
  };
}

describe('Fastly package build', () => {
  let dir: string;
  let built: FastlyBuild;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-fastly-'));
    await writeFile(join(dir, 'trusted-server.toml'), CONFIG);
    built = await buildFastly({
      config: join(dir, 'trusted-server.toml'),
      outDir: join(dir, 'out'),
      env: {},
    });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a Wasm module of real size to bin/main.wasm', async () => {
    assert.equal(built.wasm, join(dir, 'out/bin/main.wasm'));
    const wasm = await readFile(built.wasm);
    assert.deepEqual([...wasm.subarray(0, 8)], [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    assert.ok(wasm.byteLength > 1_000_000, `only ${wasm.byteLength} bytes`);
  });

  it('embeds settings but no secret value, in the bundle or the Wasm', async () => {
    const bundle = await readFile(join(dir, 'out/bin/index.js'), 'utf8');
    assert.match(bundle, /origin\.publisher\.test/);
    assert.match(bundle, /first_byte_timeout_ms: (8e3|8000)\b/);
    const wasm = await readFile(built.wasm);
    for (const secret of [SECRET_PROXY, EC_PASSPHRASE, PASSWORD]) {
      assert.ok(!bundle.includes(secret), 'secret in bundle');
      assert.equal(wasm.indexOf(secret), -1, 'secret in wasm');
    }
  });

  it('bundles the kv service over the KV Store and the rate limiter over a rate counter', async () => {
    const bundle = await readFile(join(dir, 'out/bin/index.js'), 'utf8');
    assert.match(bundle, /from "fastly:kv-store"/);
    assert.match(bundle, /from "fastly:edge-rate-limiter"/);
    assert.match(bundle, /kv: "trusted_server_kv"/);
    assert.ok(bundle.includes('trusted_server_rate'), 'rate counter name');
    assert.ok(bundle.includes('tskv1 '), 'entry header');
  });

  it('writes fastly.toml with the stores the config needs and a rebuild script', async () => {
    const manifest = parseToml(await readFile(built.manifest, 'utf8')) as unknown as Manifest;
    assert.equal(manifest['manifest_version'], 3);
    assert.equal(manifest['language'], 'javascript');
    assert.equal(manifest['name'], 'trusted-server');
    assert.deepEqual(Object.keys(manifest.setup.secret_stores.trusted_server_secrets!.entries), [
      'publisher.proxy_secret',
      'ec.passphrase',
      'handlers.0.password',
    ]);
    assert.ok(manifest.setup.config_stores.trusted_server_config);
    // The kv service's store, on by default; an empty one for `fastly compute serve`.
    assert.ok(manifest.setup.kv_stores.trusted_server_kv);
    assert.deepEqual(manifest.local_server.kv_stores.trusted_server_kv, []);
    assert.deepEqual(
      { ...manifest.local_server.secret_stores.trusted_server_secrets![2] },
      {
        key: 'handlers.0.password',
        env: 'TRUSTED_SERVER__HANDLERS__0__PASSWORD',
      },
    );
    assert.match(
      manifest.scripts.build,
      /^cd \S+ && node bin\/trusted-server\.js build --target fastly --config \S+trusted-server\.toml --out \S+out$/,
    );
  });

  it('keeps the service_id a previous publish recorded', async () => {
    const text = await readFile(built.manifest, 'utf8');
    await writeFile(
      built.manifest,
      `service_id = "SU1Z0isxPaozGVKXdv0eY"\n${text.replace(/^#.*\n/gm, '')}`,
    );
    await buildFastly({
      config: join(dir, 'trusted-server.toml'),
      outDir: join(dir, 'out'),
      env: {},
    });
    const manifest = parseToml(await readFile(built.manifest, 'utf8'));
    assert.equal(manifest['service_id'], 'SU1Z0isxPaozGVKXdv0eY');
  });

  it('refuses an invalid config with a precise message and writes nothing', async () => {
    const bad = join(dir, 'bad.toml');
    await writeFile(
      bad,
      CONFIG.replace('first_byte_timeout_ms = 8000', 'first_byte_timeout_ms = "soon"'),
    );
    await assert.rejects(
      buildFastly({ config: bad, outDir: join(dir, 'bad-out'), env: {} }),
      (error: ConfigError) => /proxy\.first_byte_timeout_ms: .*bad\.toml:\d+/.test(error.message),
    );
    await assert.rejects(readFile(join(dir, 'bad-out/bin/main.wasm')));
  });

  it('the CLI exits 1 with the problem on stderr for a config Fastly cannot honour', async () => {
    const file = join(dir, 'nocheck.toml');
    await writeFile(file, CONFIG.replace('[proxy]', '[proxy]\ncertificate_check = false'));
    const result = spawnSync(
      process.execPath,
      [
        'bin/trusted-server.js',
        'build',
        '--target',
        'fastly',
        '--config',
        file,
        '--out',
        join(dir, 'nocheck-out'),
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(result.status, 1);
    assert.match(result.stderr, /proxy\.certificate_check: must be true on Fastly Compute/);
  });
});
