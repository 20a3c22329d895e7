/**
 * Builds the Cloudflare Worker bundle: validates the TOML config with the project's own loader
 * (plus `TRUSTED_SERVER__*` overrides from the build environment), checks it against what a
 * Worker cannot honour (src/cloudflare/unsupported-settings.ts), and bundles
 * src/cloudflare/entry.ts with the settings embedded in the shared edge format (src/edge/; secrets
 * as Worker-secret names only).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { readConfigText } from '../cli/load-config-file.ts';
import type { EnvSource } from '../core/settings/env-overrides.ts';
import { envNameOf } from '../core/settings/secret-keys.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import type { WorkerEmbeddedSettings } from '../cloudflare/embedded-settings.ts';
import { WORKER_UNSUPPORTED } from '../cloudflare/unsupported-settings.ts';
import { EMBEDDED_SETTINGS_GLOBAL } from '../edge/embedded-settings.ts';
import { embedSettings, type EmbedResult } from '../edge/embed-settings.ts';
import { ROOT } from './project-root.ts';

export const DEFAULT_OUT_DIR = join(ROOT, 'dist/cloudflare');
/** The file wrangler.toml's `main` names. */
export const BUNDLE_NAME = 'worker.js';

export interface WorkerBuild {
  bundle: string;
  settings: Settings;
  embedded: WorkerEmbeddedSettings;
  warnings: string[];
}

/** A config's text → the Worker's embedded settings (throws a ConfigError naming each problem). */
export function embedWorkerSettings(
  tomlText: string,
  options: { source: string; env: EnvSource; dev: boolean },
): EmbedResult<Record<string, never>> {
  return embedSettings(tomlText, {
    ...options,
    secretName: envNameOf,
    unsupported: WORKER_UNSUPPORTED,
    platform: {},
  });
}

export async function buildWorker(options: {
  config: string;
  outDir?: string;
  dev?: boolean;
}): Promise<WorkerBuild> {
  const { embedded, settings, warnings } = embedWorkerSettings(
    await readConfigText(options.config),
    { source: options.config, env: process.env, dev: options.dev ?? false },
  );
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
    define: { [EMBEDDED_SETTINGS_GLOBAL]: JSON.stringify(embedded) },
    // Runtime modules (the Durable Object base class): resolved by workerd, not bundled.
    external: ['cloudflare:*'],
    logLevel: 'warning',
  });
  return { bundle, settings, embedded, warnings };
}
