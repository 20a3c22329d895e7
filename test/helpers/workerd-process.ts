/**
 * Runs `workerd serve config.capnp` in a directory a test harness has prepared, waits until its
 * socket answers `GET /`, and stops it (and removes the directory) on close. Shared by the test
 * workers (stores, upstream fetch).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../src/build/project-root.ts';
import { serveWorkerdDir } from '../../src/build/workerd.ts';

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
  const url = `http://127.0.0.1:${port}`;
  const { close } = await serveWorkerdDir({ dir, url, readyPath: '/' });
  return { url, close };
}
