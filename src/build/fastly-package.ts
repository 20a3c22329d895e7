/**
 * Builds the Fastly Compute package: validates the TOML config with the project's own loader
 * (plus `TRUSTED_SERVER__*` overrides from the build environment) and what Fastly cannot honour
 * (src/fastly/unsupported-settings.ts), bundles
 * src/fastly/runtime/main.ts with the settings embedded (no secret values: those stay in the
 * Secret Store), compiles the bundle to Wasm with `js-compute-runtime` (offline), and writes
 * `fastly.toml` beside it — the layout `fastly compute publish` / `pack` expect:
 *
 *   dist/fastly/fastly.toml
 *   dist/fastly/bin/main.wasm
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { readConfigText } from '../cli/load-config-file.ts';
import type { EnvSource } from '../core/settings/env-overrides.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import { EMBEDDED_SETTINGS_GLOBAL } from '../edge/embedded-settings.ts';
import type { FastlyEmbeddedSettings } from '../fastly/settings/embedded.ts';
import { embedFastlySettings } from '../fastly/settings/embed.ts';
import { fastlyManifest, parseManifest } from './fastly-manifest.ts';
import { ROOT } from './project-root.ts';

export const DEFAULT_OUT_DIR = join(ROOT, 'dist/fastly');
export const TEMPLATE = join(ROOT, 'deploy/fastly/fastly.toml');
/**
 * The KV Store the package opens unless `--kv-store` or `[ec] ec_store` names another: on by
 * default, like the SQLite file of a self-hosted server. The first publish creates and links it
 * ([setup]).
 */
export const DEFAULT_KV_STORE = 'trusted_server_kv';

/**
 * The KV Store behind the kv service: an explicit `--kv-store` wins (null: `none`); else
 * `[ec] ec_store`, which on Fastly names the identity graph's KV Store (as upstream reads it), so
 * a config written for upstream finds its graph; else {@link DEFAULT_KV_STORE}.
 */
export function chooseKvStore(
  flag: string | null | undefined,
  ecStore: string | undefined,
): string | null {
  if (flag !== undefined) return flag;
  return ecStore ?? DEFAULT_KV_STORE;
}
const COMPILER = join(ROOT, 'node_modules/@fastly/js-compute/dist/cli/js-compute-runtime-cli.js');

export interface FastlyBuildOptions {
  config: string;
  outDir?: string;
  secretStore?: string;
  /** null: no Config Store overrides. */
  configStore?: string | null;
  /** The KV Store behind the kv service; null: none; unset: {@link chooseKvStore}. */
  kvStore?: string | null;
  dev?: boolean;
  env?: EnvSource;
}

export interface FastlyBuild {
  wasm: string;
  manifest: string;
  settings: Settings;
  embedded: FastlyEmbeddedSettings;
  /** Keys the config sets that have no effect yet, and what Fastly honours differently. */
  warnings: string[];
}

export async function buildFastly(options: FastlyBuildOptions): Promise<FastlyBuild> {
  const text = await readConfigText(options.config);
  const embed = (kvStore: string | null, kvStoreSource?: string) =>
    embedFastlySettings(text, {
      source: options.config,
      env: options.env ?? process.env,
      secretStore: options.secretStore ?? 'trusted_server_secrets',
      configStore:
        options.configStore === undefined ? 'trusted_server_config' : options.configStore,
      kvStore,
      ...(kvStoreSource === undefined ? {} : { kvStoreSource }),
      dev: options.dev ?? false,
    });
  // `[ec] ec_store` is only known once the config is read (environment overrides included): a
  // second, cheap pass embeds the store it names.
  let embedding = embed(options.kvStore === undefined ? DEFAULT_KV_STORE : options.kvStore);
  const kvStore = chooseKvStore(options.kvStore, embedding.settings.ec.ec_store);
  if (kvStore !== embedding.embedded.platform.stores.kv) embedding = embed(kvStore, 'ec.ec_store');
  const { embedded, settings, warnings } = embedding;

  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  await mkdir(join(outDir, 'bin'), { recursive: true });
  const bundle = join(outDir, 'bin/index.js');
  await build({
    entryPoints: [join(ROOT, 'src/fastly/runtime/main.ts')],
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['fastly:*'],
    define: { [EMBEDDED_SETTINGS_GLOBAL]: JSON.stringify(embedded) },
    logLevel: 'warning',
  });
  const wasm = join(outDir, 'bin/main.wasm');
  await run(process.execPath, [COMPILER, bundle, wasm], outDir);

  const manifest = join(outDir, 'fastly.toml');
  await writeFile(
    manifest,
    fastlyManifest({
      template: await readToml(TEMPLATE),
      previous: await readToml(manifest).catch(() => undefined),
      embedded,
      buildCommand: rebuildCommand(outDir, options),
    }),
  );
  return { wasm, manifest, settings, embedded, warnings };
}

/**
 * `[scripts] build`: this build again, from the repository, with the same options — through the
 * CLI's launcher, which finds the pinned Node 24 even when the Fastly CLI starts an older one.
 */
function rebuildCommand(outDir: string, options: FastlyBuildOptions): string {
  const quote = (value: string) =>
    /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
  // Paths inside the repository stay relative (the package can move with it); others absolute.
  const fromRoot = (path: string) => {
    const rel = relative(ROOT, resolve(path));
    return rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel || '.';
  };
  const args = ['--config', fromRoot(options.config), '--out', fromRoot(outDir)];
  if (options.secretStore !== undefined) args.push('--secret-store', options.secretStore);
  if (options.configStore !== undefined) args.push('--config-store', options.configStore ?? 'none');
  if (options.kvStore !== undefined) args.push('--kv-store', options.kvStore ?? 'none');
  if (options.dev) args.push('--dev');
  const insideRoot = fromRoot(outDir) !== resolve(outDir);
  const cd = insideRoot ? relative(resolve(outDir), ROOT) || '.' : ROOT;
  return `cd ${quote(cd)} && node bin/trusted-server.js build --target fastly ${args.map(quote).join(' ')}`;
}

async function readToml(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  return parseManifest(text, file);
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`js-compute-runtime failed (exit ${code}):\n${output.trim()}`)),
    );
  });
}
