/**
 * Builds store-worker.ts and the local KV service, and runs both in one workerd process: the
 * Durable Object namespaces (the production class, a subclass tests can look into, and a class
 * without the rate counter) with
 * SQLite storage in a temporary directory, the KV binding pointed at the service.
 * Resolves to null, with the reason, when workerd cannot run on this machine.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../../src/build/project-root.ts';
import { compatibilityDate, freePort } from '../../src/build/workerd.ts';
import { EMBEDDED_SETTINGS_GLOBAL } from '../../src/edge/embedded-settings.ts';
import {
  serveWorkerd,
  workerdUnavailable,
  type RunningTestWorker,
} from '../helpers/workerd-process.ts';

export type { RunningTestWorker as StoreWorker } from '../helpers/workerd-process.ts';

export { workerdUnavailable };

export async function startStoreWorker(): Promise<RunningTestWorker> {
  const dir = await mkdtemp(join(tmpdir(), 'ts-kv-workerd-'));
  const bundle = (name: string, entry: string) =>
    build({
      entryPoints: [join(ROOT, 'test/workerd-kv', entry)],
      outfile: join(dir, name),
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      external: ['cloudflare:*'],
      // The production entry's embedded settings; only its Durable Object export is used here.
      define: { [EMBEDDED_SETTINGS_GLOBAL]: 'null' },
      logLevel: 'warning',
    });
  await Promise.all([
    bundle('worker.js', 'store-worker.ts'),
    bundle('backend.js', 'kv-namespace-backend.ts'),
  ]);
  await mkdir(join(dir, 'objects'));
  const port = await freePort();
  const date = JSON.stringify(await compatibilityDate());
  await writeFile(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "kv-backend", worker = .backend),
    (name = "objects", disk = (path = ${JSON.stringify(join(dir, 'objects'))}, writable = true)),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = ${date},
  bindings = [
    (name = "TS_KV", durableObjectNamespace = "TrustedServerKv"),
    (name = "TS_KV_INSPECT", durableObjectNamespace = "InspectableTrustedServerKv"),
    (name = "TS_KV_WITHOUT_COUNTER", durableObjectNamespace = "ObjectWithoutCounter"),
    (name = "TS_KV_NAMESPACE", kvNamespace = "kv-backend"),
    (name = "KV_BACKEND", service = "kv-backend"),
  ],
  durableObjectNamespaces = [
    (className = "TrustedServerKv", uniqueKey = "trusted-server-kv-test", enableSql = true),
    (className = "InspectableTrustedServerKv", uniqueKey = "trusted-server-kv-inspect", enableSql = true),
    (className = "ObjectWithoutCounter", uniqueKey = "trusted-server-kv-without-counter", enableSql = true),
  ],
  # A SQLite-backed namespace needs disk storage: workerd's in-memory storage has no SQL API.
  durableObjectStorage = (localDisk = "objects"),
);
const backend :Workerd.Worker = (
  modules = [ (name = "backend.js", esModule = embed "backend.js") ],
  compatibilityDate = ${date},
);
`,
  );
  return serveWorkerd(dir, port);
}
