/**
 * What the Edge Cookie's end-to-end tests share: a browser's navigation headers, the exact cookie
 * lines a reader should see, a config writer for `serve` with the `[store]` and `[geo]` each case
 * needs, and a read of the identity graph straight from the store a server wrote to (the test
 * looks at the SQLite file or the Redis server itself, not at anything the server reports).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTombstone, type GraphEntry } from '../../src/core/identity/graph-entry.ts';
import { createIdentityGraph } from '../../src/core/identity/identity-graph.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { openRedisKv } from '../../src/node/stores/redis-kv.ts';
import { openSqliteKv } from '../../src/node/stores/sqlite-kv.ts';
import { getDecoded, type Got } from '../helpers/http-bodies.ts';
import { startServeProcess, type ServedProcess } from '../helpers/serve-process.ts';
import { baseToml, PASSWORD } from '../helpers/settings.ts';

export const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** A top-level navigation as Chrome sends it: what may mint an ID. */
export const NAVIGATION: Readonly<Record<string, string>> = {
  'user-agent': CHROME,
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
};

/** `publisher.domain` of {@link baseToml}; the cookie is scoped to it. */
export const PUBLISHER_DOMAIN = 'www.publisher.test';

/** The whole `Set-Cookie` line of a minted ID; group 1 is the ID. */
export const MINTED_COOKIE = new RegExp(
  `^ts-ec=([0-9a-f]{64}\\.[A-Za-z0-9]{6}); Domain=\\.${PUBLISHER_DOMAIN.replaceAll('.', '\\.')}; ` +
    'Path=/; Secure; SameSite=Lax; Max-Age=31536000; HttpOnly$',
);
/** The line that removes the reader's cookie on withdrawal. */
export const EXPIRED_COOKIE = `ts-ec=; Domain=.${PUBLISHER_DOMAIN}; Path=/; Secure; SameSite=Lax; Max-Age=0; HttpOnly`;

/** `ec_store` routes `/_ts/admin/ec…`, which must sit behind a handler or the config is refused. */
const ADMIN_HANDLER = `[[handlers]]
path = "^/_ts/admin"
username = "admin"
password = "${PASSWORD}"
`;

export interface EcServerOptions {
  /** `[geo]` body, e.g. `mode = "fixed"\ncountry = "CA"`; omitted: no section (`mode = "none"`). */
  geo?: string;
  /** `[store]` body: `path = "…"` or `url = "redis://…"`; omitted: no section (edge builds). */
  store?: string;
  /** False: `[ec]` without `ec_store` (no identity graph). */
  ecStore?: boolean;
}

/** The `serve` config of one case: the test origin, `[ec]` with or without a graph. */
export function ecServerToml(originUrl: string, options: EcServerOptions): string {
  const ec = options.ecStore === false ? '' : `ec_store = "identity"\n${ADMIN_HANDLER}`;
  const section = (name: string, body: string | undefined) =>
    body === undefined ? '' : `\n[${name}]\n${body}\n`;
  return baseToml(originUrl, ec + section('store', options.store) + section('geo', options.geo));
}

/** Where a suite's configs and SQLite files go; `remove` when done. */
export async function scratchDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ts-ec-e2e-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes the config to `dir/name.toml` and starts `serve` on it. */
export async function startEcServer(
  dir: string,
  name: string,
  originUrl: string,
  options: EcServerOptions,
): Promise<ServedProcess> {
  const config = join(dir, `${name}.toml`);
  await writeFile(config, ecServerToml(originUrl, options));
  return startServeProcess(['--config', config]);
}

/** Ends a `serve` process and waits for it. */
export async function stopServer(served: ServedProcess | undefined): Promise<void> {
  if (served === undefined || served.child.exitCode !== null) return;
  served.child.kill('SIGTERM');
  await served.exited;
}

export type GraphState = 'absent' | 'live' | 'tombstone';

/** The identity graph as another reader of the same store sees it. */
export interface GraphReader {
  state(id: string): Promise<GraphState>;
  entry(id: string): Promise<GraphEntry | undefined>;
  /** Live entries and tombstones, all keys. */
  count(): Promise<number>;
  close(): Promise<void>;
}

function graphReader(kv: KvStore): GraphReader {
  const graph = createIdentityGraph(kv, { now: Date.now });
  const entry = async (id: string) => (await graph.get(id))?.entry;
  return {
    entry,
    async state(id) {
      const found = await entry(id);
      if (found === undefined) return 'absent';
      return isTombstone(found) ? 'tombstone' : 'live';
    },
    count: () => kv.countPrefix('', 1000),
    close: () => kv.close(),
  };
}

/** Opens the SQLite file a server writes to (WAL: a second reader never blocks it). */
export function sqliteGraph(path: string): GraphReader {
  return graphReader(openSqliteKv({ path, busyTimeoutMs: 1000 }));
}

export async function redisGraph(url: string): Promise<GraphReader> {
  return graphReader(await openRedisKv({ url, timeoutMs: 1000 }));
}

/** The `Set-Cookie` lines of a response, in order. */
export function setCookies(got: Got): string[] {
  return got.headers['set-cookie'] ?? [];
}

/** The minted ID in a response's cookies, or undefined. */
export function mintedId(got: Got): string | undefined {
  for (const line of setCookies(got)) {
    const match = MINTED_COOKIE.exec(line);
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

/**
 * GET `path` with exactly these headers. Through node:http, not fetch: fetch replaces a
 * navigation's `Sec-Fetch-Mode: navigate` with `cors`, as a browser's fetch() would.
 */
export function get(
  served: Pick<ServedProcess, 'url'>,
  path: string,
  headers: Readonly<Record<string, string>>,
): Promise<Got> {
  return getDecoded(`${served.url}${path}`, { ...headers });
}
