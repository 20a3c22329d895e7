/**
 * Builds the Cloudflare Worker bundle: loads and validates the TOML config with the project's own
 * loader (plus `TRUSTED_SERVER__*` overrides from the build environment), checks what a Worker
 * cannot do, and bundles src/cloudflare/entry.ts with the resolved settings embedded (secrets as
 * Worker-secret names only, see src/cloudflare/embedded-settings.ts).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { loadConfigFile } from '../cli/load-config-file.ts';
import { ConfigError } from '../core/settings/load-settings.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import { embedSettings, type EmbeddedConfig } from '../cloudflare/embedded-settings.ts';
import { ROOT } from './project-root.ts';

export const DEFAULT_OUT_DIR = join(ROOT, 'dist/cloudflare');
/** The file wrangler.toml's `main` names. */
export const BUNDLE_NAME = 'worker.js';

export interface WorkerBuild {
  bundle: string;
  settings: Settings;
  embedded: EmbeddedConfig;
  warnings: string[];
}

/** Keys a Worker cannot honour: an error (refuse to build) or a warning (works only locally). */
export function workerProblems(settings: Settings): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!settings.proxy.certificate_check) {
    errors.push(
      'proxy.certificate_check: must be true on Cloudflare Workers (a Worker always verifies the origin certificate)',
    );
  }
  if (settings.proxy.origin_address !== undefined) {
    warnings.push(
      'proxy.origin_address: honoured only by `trusted-server dev --target cloudflare` (local workerd); a deployed Worker connects to the origin by its name',
    );
  }
  if (settings.geo.mode !== 'none') {
    warnings.push(
      `geo.mode: "${settings.geo.mode}" is read by the Node adapter only; a Worker takes the client's location from Cloudflare (request.cf)`,
    );
  }
  return { errors, warnings };
}

export async function buildWorker(options: {
  config: string;
  outDir?: string;
  dev?: boolean;
}): Promise<WorkerBuild> {
  const configWarnings: string[] = [];
  const settings = await loadConfigFile(options.config, process.env, (warning) =>
    configWarnings.push(warning),
  );
  const { errors, warnings } = workerProblems(settings);
  warnings.unshift(...configWarnings);
  if (errors.length > 0) throw new ConfigError(options.config, errors);
  const embedded = embedSettings(settings, options.dev ?? false);
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  await mkdir(outDir, { recursive: true });
  const bundle = join(outDir, BUNDLE_NAME);
  await build({
    entryPoints: [join(ROOT, 'src/cloudflare/entry.ts')],
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    define: { __TRUSTED_SERVER_CONFIG__: JSON.stringify(embedded) },
    // Runtime modules (the Durable Object base class): resolved by workerd, not bundled.
    external: ['cloudflare:*'],
    logLevel: 'warning',
  });
  return { bundle, settings, embedded, warnings };
}
