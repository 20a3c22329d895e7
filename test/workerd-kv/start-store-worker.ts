/**
 * Builds store-worker.ts and the local KV service, and runs both in one workerd process: the
 * Durable Object namespaces (the production class, a subclass tests can look into, and a class
 * without the rate counter) with
 * SQLite storage in a temporary directory, the KV binding pointed at the service.
 * Resolves to null, with the reason, when workerd cannot run on this machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../../src/build/project-root.ts';
import { compatibilityDate, freePort } from '../../src/build/workerd.ts';
import { EMBEDDED_SETTINGS_GLOBAL } from '../../src/edge/embedded-settings.ts';

export interface StoreWorker {
  url: string;
  close(): Promise<void>;
}

const WORKERD = join(ROOT, 'node_modules/.bin/workerd');

export function workerdUnavailable(): string | undefined {
  const probe = spawnSync(WORKERD, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `workerd cannot start: ${probe.error.message}`;
  if (probe.status !== 0) return `workerd --version exited ${probe.status}: ${probe.stderr}`;
  return undefined;
}

export async function startStoreWorker(): Promise<StoreWorker> {
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
