/**
 * The runtimes the shared suite runs against, each started from the same TOML: the Node adapter
 * (in this process, over a loopback socket) and the Worker bundle inside a real workerd process.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/core/settings/load-settings.ts';
import { buildWorker } from '../../src/build/worker.ts';
import { startWorkerd } from '../../src/build/workerd.ts';
import { startTestServer } from '../helpers/server.ts';
import { baseToml } from '../helpers/settings.ts';
import { ORIGIN } from './origin.ts';

export type Engine = 'builtin' | 'htmlrewriter';

export interface Target {
  url: string;
  close(): Promise<void>;
}

/** Short, so the suite can watch a dripping origin be cut off; every other response takes ms. */
export const SUITE_MAX_RESPONSE_MS = 1500;

export function suiteToml(originAddress: string, engine: Engine = 'builtin'): string {
  return baseToml(
    ORIGIN,
    `[proxy]\norigin_address = "${originAddress}"\nmax_decoded_body_bytes = 4194304\n` +
      `max_response_ms = ${SUITE_MAX_RESPONSE_MS}\n` +
      `[logging]\nlevel = "error"\n[cloudflare]\nhtml_engine = "${engine}"\n`,
  );
}

export async function startNodeTarget(originAddress: string): Promise<Target> {
  const server = await startTestServer(loadSettings(suiteToml(originAddress)));
  return { url: server.url, close: () => server.close() };
}

export async function startWorkerdTarget(originAddress: string, engine: Engine): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'ts-suite-worker-'));
  const config = join(dir, 'trusted-server.toml');
  await writeFile(config, suiteToml(originAddress, engine));
  try {
    const built = await buildWorker({ config, outDir: dir });
    const running = await startWorkerd({ ...built, stdio: 'pipe' });
    return {
      url: running.url,
      close: async () => {
        await running.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
