/**
 * Builds upstream-worker.ts and runs it in workerd, its outbound `fetch` on a network service that
 * may reach loopback, where the tests' third-party stand-ins listen (workerd's default outbound
 * reaches public addresses only).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../../src/build/project-root.ts';
import { compatibilityDate, freePort } from '../../src/build/workerd.ts';
import { serveWorkerd, type RunningTestWorker } from '../helpers/workerd-process.ts';

export async function startUpstreamWorker(): Promise<RunningTestWorker> {
  const dir = await mkdtemp(join(tmpdir(), 'ts-upstream-workerd-'));
  await build({
    entryPoints: [join(ROOT, 'test/workerd-upstream/upstream-worker.ts')],
    outfile: join(dir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'warning',
  });
  const port = await freePort();
  await writeFile(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "third-parties", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = ${JSON.stringify(await compatibilityDate())},
  globalOutbound = "third-parties",
);
`,
  );
  return serveWorkerd(dir, port);
}
