/**
 * `trusted-server build --target cloudflare|fastly --config FILE [--out DIR] [--dev]
 *   [--secret-store NAME] [--config-store NAME|none] [--kv-store NAME|none]`: validates the config and writes the edge
 * package (src/build/), then lists the secrets the platform must hold for it.
 */
import { loadBuildTools } from './load-build-tools.ts';
import type { BuildTarget } from './targets.ts';
import { UsageError } from './usage.ts';

export interface BuildOptions {
  target: BuildTarget;
  config: string;
  out?: string;
  dev: boolean;
  /** Fastly only. */
  secretStore?: string;
  /** Fastly only; 'none': no Config Store overrides. */
  configStore?: string;
  /** Fastly only; 'none': no KV Store, so the features that need a store are off. */
  kvStore?: string;
}

export async function build(options: BuildOptions): Promise<number> {
  if (options.target === 'cloudflare') return buildCloudflare(options);
  return buildFastly(options);
}

async function buildCloudflare(options: BuildOptions): Promise<number> {
  // A Worker has no Secret or Config Store of ours: refuse rather than ignore these flags.
  for (const [flag, value] of [
    ['--secret-store', options.secretStore],
    ['--config-store', options.configStore],
    ['--kv-store', options.kvStore],
  ] as const) {
    if (value !== undefined) {
      throw new UsageError(`${flag} applies only to --target fastly`, 'build');
    }
  }
  const { buildWorker } = await loadBuildTools(() => import('../build/worker.ts'));
  const built = await buildWorker({
    config: options.config,
    dev: options.dev,
    ...(options.out !== undefined ? { outDir: options.out } : {}),
  });
  for (const warning of built.warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(`wrote ${built.bundle}\n`);
  if (built.embedded.secrets.length > 0) {
    process.stdout.write('Worker secrets it reads (set each with `wrangler secret put NAME`):\n');
    for (const { key, name } of built.embedded.secrets) {
      process.stdout.write(`  ${name}  (${key})\n`);
    }
  }
  return 0;
}

async function buildFastly(options: BuildOptions): Promise<number> {
  const { buildFastly: buildPackage } = await loadBuildTools(
    () => import('../build/fastly-package.ts'),
  );
  const { configStore, kvStore } = options;
  const built = await buildPackage({
    config: options.config,
    dev: options.dev,
    ...(options.out !== undefined ? { outDir: options.out } : {}),
    ...(options.secretStore !== undefined ? { secretStore: options.secretStore } : {}),
    ...(configStore !== undefined
      ? { configStore: configStore === 'none' ? null : configStore }
      : {}),
    ...(kvStore !== undefined ? { kvStore: kvStore === 'none' ? null : kvStore } : {}),
  });
  for (const warning of built.warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(`wrote ${built.wasm}\nwrote ${built.manifest}\n`);
  const { secrets, platform } = built.embedded;
  const { stores, configKeys } = platform;
  if (secrets.length > 0) {
    process.stdout.write(`Secret Store "${stores.secrets}" entries it reads:\n`);
    for (const slot of secrets) process.stdout.write(`  ${slot.name}  (${slot.key})\n`);
  }
  if (stores.config !== null) {
    process.stdout.write(`Config Store "${stores.config}" keys it honours (all optional):\n`);
    for (const key of configKeys) process.stdout.write(`  ${key}\n`);
  }
  process.stdout.write(
    stores.kv === null
      ? 'No KV Store: the features that need a store are off.\n'
      : `KV Store "${stores.kv}" holds the kv service (created by the first publish).\n`,
  );
  return 0;
}
