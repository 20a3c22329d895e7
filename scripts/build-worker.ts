/**
 * `npm run build:worker -- --config FILE [--out DIR]`: the Cloudflare Worker bundle (default
 * dist/cloudflare/worker.js, which wrangler.toml's `main` names), settings embedded.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../src/core/settings/load-settings.ts';
import { buildWorker } from './worker/build.ts';

const { values } = parseArgs({
  options: { config: { type: 'string' }, out: { type: 'string' } },
});
if (values.config === undefined) {
  console.error('usage: npm run build:worker -- --config trusted-server.toml [--out DIR]');
  process.exit(2);
}
try {
  const built = await buildWorker({
    config: values.config,
    ...(values.out !== undefined ? { outDir: values.out } : {}),
  });
  for (const warning of built.warnings) console.warn(`warning: ${warning}`);
  console.log(`wrote ${built.bundle}`);
  if (built.embedded.secrets.length > 0) {
    console.log('Worker secrets it reads (set each with `wrangler secret put NAME`):');
    for (const { key, name } of built.embedded.secrets) console.log(`  ${name}  (${key})`);
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
