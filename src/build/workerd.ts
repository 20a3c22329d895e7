/**
 * Runs a built Worker bundle in a local `workerd` (the open-source Workers runtime, npm
 * `workerd`): a generated capnp config with the bundle, the compatibility date from wrangler.toml,
 * the Worker secrets as `fromEnvironment` bindings (passed in workerd's environment, never written
 * to disk), and the Worker's outbound `fetch` routed to the origin:
 * - with `proxy.origin_address`: an `external` service at that address (the request keeps the
 *   origin's name in its URL and `Host`), as the Node adapter connects there;
 * - without: a `network` service that may reach public, private and loopback addresses.
 * The store's Durable Object is bound as `TS_KV`, as wrangler.toml declares it, its SQLite files
 * in the run's temporary directory (a local run starts empty; workerd's in-memory object storage
 * has no SQL API).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { keyName, secretEntries } from '../core/settings/secret-keys.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import type { WorkerEmbeddedSettings } from '../cloudflare/embedded-settings.ts';
import { ROOT } from './project-root.ts';

export interface RunningWorkerd {
  url: string;
  port: number;
  child: ChildProcess;
  /** The run's directory: its config, and the Durable Objects' SQLite files under `objects/`. */
  dir: string;
  /** Stops workerd (SIGTERM, then SIGKILL after 5 s) and removes its temporary directory. */
  close(): Promise<void>;
}

export interface WorkerdOptions {
  bundle: string;
  settings: Settings;
  embedded: WorkerEmbeddedSettings;
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  /** Where workerd's stdout/stderr go (Worker console lines among them). */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /**
   * Tests only: incoming requests carrying this header get their `request.cf` from its JSON, as
   * Cloudflare's edge would fill it (country, ASN, Bot Management). Never set for real serving:
   * any client could then claim any location.
   */
  cfBlobHeader?: string;
}

const capnpText = (text: string) => JSON.stringify(text);

export async function compatibilityDate(): Promise<string> {
  const wrangler = parseToml(await readFile(join(ROOT, 'wrangler.toml'), 'utf8'));
  const date = wrangler['compatibility_date'];
  if (typeof date !== 'string') throw new Error('wrangler.toml: compatibility_date missing');
  return date;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export function capnpConfig(options: {
  settings: Settings;
  embedded: WorkerEmbeddedSettings;
  address: string;
  compatibilityDate: string;
  cfBlobHeader?: string | undefined;
  /** Where the Durable Objects' SQLite files go. */
  objectsDir: string;
}): string {
  const { settings, embedded } = options;
  const origin = new URL(settings.publisher.origin_url);
  // With `proxy.origin_address`, origin requests (and only they) go to that address through the
  // `TS_ORIGIN` binding; everything else, third parties included, uses the ordinary network.
  const address = settings.proxy.origin_address;
  const originService =
    address === undefined
      ? undefined
      : origin.protocol === 'https:'
        ? `external = (address = ${capnpText(address)}, https = (certificateHost = ${capnpText(origin.hostname)}))`
        : `external = (address = ${capnpText(address)}, http = ())`;
  const bindings = [
    ...embedded.secrets.map(
      ({ name }) => `(name = ${capnpText(name)}, fromEnvironment = ${capnpText(name)})`,
    ),
    '(name = "TS_KV", durableObjectNamespace = "TrustedServerKv")',
    ...(originService === undefined ? [] : ['(name = "TS_ORIGIN", service = "origin")']),
  ].join(', ');
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),${
      originService === undefined
        ? ''
        : `
    (name = "origin", ${originService}),`
    }
    (name = "objects", disk = (path = ${capnpText(options.objectsDir)}, writable = true)),
  ],
  sockets = [ (name = "http", address = ${capnpText(options.address)}, http = (${options.cfBlobHeader === undefined ? '' : `cfBlobHeader = ${capnpText(options.cfBlobHeader)}`}), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = ${capnpText(options.compatibilityDate)},
  globalOutbound = "internet",
  bindings = [ ${bindings} ],
  durableObjectNamespaces = [
    (className = "TrustedServerKv", uniqueKey = "trusted-server-kv", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "objects"),
);
`;
}

/**
 * `workerd serve config.capnp` in `dir` (which it removes on close), waiting until `readyPath`
 * answers 2xx: shared by `dev`, the shared suite and the test workers.
 */
export async function serveWorkerdDir(options: {
  dir: string;
  url: string;
  readyPath: string;
  env?: NodeJS.ProcessEnv;
  stdio?: 'pipe' | 'inherit' | 'ignore';
}): Promise<{ child: ChildProcess; close: () => Promise<void> }> {
  const stdio = options.stdio ?? 'pipe';
  const child = spawn(join(ROOT, 'node_modules/.bin/workerd'), ['serve', 'config.capnp'], {
    cwd: options.dir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', stdio, stdio],
  });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output = (output + data.toString()).slice(-8000)));
  child.stderr?.on('data', (data: Buffer) => (output = (output + data.toString()).slice(-8000)));
  // A missing or unrunnable binary: fail the start with a message, not an unhandled 'error'.
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const close = async () => {
    if (spawnError === undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(options.dir, { recursive: true, force: true });
  };
  try {
    await ready(
      `${options.url}${options.readyPath}`,
      child,
      () => output,
      () => spawnError,
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { child, close };
}

async function ready(
  url: string,
  child: ChildProcess,
  output: () => string,
  spawnError: () => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    if (spawnError() !== undefined) {
      throw new Error(`workerd could not start: ${spawnError()?.message ?? ''}`);
    }
    if (child.exitCode !== null) {
      throw new Error(`workerd exited (${child.exitCode}) before serving:\n${output()}`);
    }
    try {
      // Bounded: whatever else might hold the port must not stall the wait.
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`workerd did not answer ${url} within 20 s:\n${output()}`);
}

export async function startWorkerd(options: WorkerdOptions): Promise<RunningWorkerd> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port || (await freePort(host));
  const dir = await mkdtemp(join(tmpdir(), 'trusted-server-workerd-'));
  await copyFile(options.bundle, join(dir, 'worker.js'));
  await mkdir(join(dir, 'objects'));
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  await writeFile(
    join(dir, 'config.capnp'),
    capnpConfig({
      settings: options.settings,
      embedded: options.embedded,
      address,
      compatibilityDate: await compatibilityDate(),
      cfBlobHeader: options.cfBlobHeader,
      objectsDir: join(dir, 'objects'),
    }),
  );
  // The config's secret values stand in for Worker secrets, under the names the bundle reads.
  const names = new Map(options.embedded.secrets.map(({ key, name }) => [key, name]));
  const secrets: Record<string, string> = {};
  for (const { path, secret } of secretEntries(options.settings)) {
    const name = names.get(keyName(path));
    if (name !== undefined) secrets[name] = secret.reveal();
  }
  const url = `http://${address}`;
  const { child, close } = await serveWorkerdDir({
    dir,
    url,
    readyPath: '/health',
    env: secrets,
    ...(options.stdio === undefined ? {} : { stdio: options.stdio }),
  });
  return { url, port, child, dir, close };
}
