/**
 * `npm run dev:worker -- --config FILE [--port 8787] [--host 127.0.0.1]`: builds the Cloudflare
 * Worker with that config and serves it locally in workerd (see scripts/worker/workerd.ts). The
 * config's own secret values stand in for Worker secrets, and sample secrets are allowed (with a
 * warning), as `serve --dev` allows them. Ctrl-C stops workerd and removes its temporary files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../src/core/settings/load-settings.ts';
import { buildWorker } from './worker/build.ts';
import { startWorkerd } from './worker/workerd.ts';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const port = Number(values.port);
if (values.config === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('usage: npm run dev:worker -- --config trusted-server.toml [--port N] [--host H]');
  process.exit(2);
}

const outDir = await mkdtemp(join(tmpdir(), 'trusted-server-worker-'));
let built;
try {
  built = await buildWorker({ config: values.config, outDir, dev: true });
} catch (error) {
  await rm(outDir, { recursive: true, force: true });
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
for (const warning of built.warnings) console.warn(`warning: ${warning}`);

const running = await startWorkerd({
  bundle: built.bundle,
  settings: built.settings,
  embedded: built.embedded,
  host: values.host,
  port,
  stdio: 'inherit',
});
console.log(
  `trusted-server Worker (workerd, html_engine = ${built.settings.cloudflare.html_engine}) on ${running.url} → ${built.settings.publisher.origin_url}`,
);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void running
    .close()
    .then(() => rm(outDir, { recursive: true, force: true }))
    .then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
running.child.once('exit', (code) => {
  if (stopping) return;
  console.error(`workerd exited unexpectedly (${code ?? 'signal'})`);
  void rm(outDir, { recursive: true, force: true }).then(() => process.exit(1));
});
