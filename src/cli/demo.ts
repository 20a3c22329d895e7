/**
 * `npm start` / `trusted-server demo`: the demo publisher origin on an ephemeral loopback port and
 * Trusted Server in front of it on 127.0.0.1:8080 (`PORT` overrides), in one process.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '../core/settings/load-settings.ts';
import { secretValues } from '../core/settings/placeholders.ts';
import { startDemoOrigin } from '../demo/origin-site.ts';
import { createConsoleLogger } from '../node/console-log.ts';
import { tuneGarbageCollector } from '../node/gc-tuning.ts';
import { startNodeServer } from '../node/server.ts';
import { checkPlaceholders, untilSignal } from './serve.ts';

const CONFIG = fileURLToPath(new URL('../../trusted-server.toml', import.meta.url));

export async function demo(port: number): Promise<number> {
  tuneGarbageCollector();
  const origin = await startDemoOrigin();
  const warnings: string[] = [];
  const settings = loadSettings(await readFile(CONFIG, 'utf8'), {
    source: CONFIG,
    env: { ...process.env, TRUSTED_SERVER__PUBLISHER__ORIGIN_URL: origin.url },
    onWarning: (warning) => warnings.push(warning),
  });
  const log = createConsoleLogger(settings.logging.level, secretValues(settings));
  for (const warning of warnings) log.warn(`configuration: ${warning}`);
  checkPlaceholders(settings, true, log);
  const running = await startNodeServer({ settings, log, host: '127.0.0.1', port });
  const stopped = untilSignal(running, log);
  process.stdout.write(`
  Trusted Server demo is running.

    Open        ${running.url}/             (the demo article, through the proxy)
                ${running.url}/next/app      (a Next.js App Router page)
                ${running.url}/api/articles.json
                ${running.url}/static/tsjs=tsjs-unified.min.js
    Origin      ${origin.url}/   (the demo publisher, direct)
    Health      ${running.url}/health

  Press Ctrl-C to stop.

`);
  await stopped;
  await origin.close();
  return 0;
}
