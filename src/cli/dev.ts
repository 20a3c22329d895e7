/**
 * `trusted-server dev --target cloudflare --config FILE [--port 8787] [--host 127.0.0.1]`: builds
 * the Worker with that config into a temporary directory and serves it in a local workerd
 * (src/build/workerd.ts). The config's own secret values stand in for Worker secrets, and sample
 * secrets are allowed (with a warning), as `serve --dev` allows them. SIGINT/SIGTERM stop workerd
 * and remove the temporary files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error.ts';
import { loadBuildTools } from './load-build-tools.ts';
import type { DevTarget } from './targets.ts';

export interface DevOptions {
  target: DevTarget;
  config: string;
  host: string;
  port: number;
}

export async function dev(options: DevOptions): Promise<number> {
  const [{ buildWorker }, { startWorkerd }] = await loadBuildTools(() =>
    Promise.all([import('../build/worker.ts'), import('../build/workerd.ts')]),
  );
  // workerd reports a taken port only on its output and keeps running: check first.
  await assertPortFree(options.host, options.port);
  const outDir = await mkdtemp(join(tmpdir(), 'trusted-server-worker-'));
  const removeOutDir = () => rm(outDir, { recursive: true, force: true });
  let running;
  let built;
  try {
    built = await buildWorker({ config: options.config, outDir, dev: true });
    for (const warning of built.warnings) process.stderr.write(`warning: ${warning}\n`);
  } catch (error) {
    await removeOutDir();
    throw error;
  }
  try {
    running = await startWorkerd({
      bundle: built.bundle,
      settings: built.settings,
      embedded: built.embedded,
      host: options.host,
      port: options.port,
      stdio: 'inherit',
    });
  } catch (error) {
    await removeOutDir();
    // workerd's own lines (a taken port, say) went to this terminal already.
    throw new CliError(
      `workerd could not serve on ${options.host}:${options.port}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  process.stdout.write(
    `trusted-server Worker (workerd, html_engine = ${built.settings.cloudflare.html_engine}) on ${running.url} → ${built.settings.publisher.origin_url}\n`,
  );

  const { child } = running;
  const code = await new Promise<number>((resolve) => {
    const settle = (result: Promise<number> | number) => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      child.removeListener('exit', exited);
      resolve(result);
    };
    const stop = () => settle(running.close().then(() => 0));
    const exited = (status: number | null) => {
      process.stderr.write(`workerd exited unexpectedly (${status ?? 'signal'})\n`);
      settle(1);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    child.once('exit', exited);
  });
  await removeOutDir();
  return code;
}

async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new CliError(
      code === 'EADDRINUSE'
        ? `--port ${port}: ${host}:${port} is already in use`
        : `cannot listen on ${host}:${port} (${code})`,
    );
  }
  await new Promise((resolve) => server.close(resolve));
}
