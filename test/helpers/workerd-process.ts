/**
 * Runs `workerd serve config.capnp` in a directory a test harness has prepared, waits until its
 * socket answers `GET /`, and stops it (and removes the directory) on close. Shared by the test
 * workers (stores, upstream fetch).
 */
import { spawn, spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../../src/build/project-root.ts';

export interface RunningTestWorker {
  url: string;
  close(): Promise<void>;
}

const WORKERD = join(ROOT, 'node_modules/.bin/workerd');

/** Why workerd cannot run on this machine, or undefined when it can. */
export function workerdUnavailable(): string | undefined {
  const probe = spawnSync(WORKERD, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `workerd cannot start: ${probe.error.message}`;
  if (probe.status !== 0) return `workerd --version exited ${probe.status}: ${probe.stderr}`;
  return undefined;
}

/** `dir` holds config.capnp, whose socket listens on 127.0.0.1:`port`. */
export async function serveWorkerd(dir: string, port: number): Promise<RunningTestWorker> {
  const child = spawn(WORKERD, ['serve', 'config.capnp'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (data: Buffer) => (output = (output + data.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`workerd exited (${child.exitCode}) before serving:\n${output}`);
    }
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`workerd did not answer within 20 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, close };
}
