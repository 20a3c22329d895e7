/**
 * The Edge Cookie on Cloudflare: the production Worker bundle in a real workerd, its store the
 * SQLite-backed Durable Object bound as `TS_KV` (as wrangler.toml declares it), the reader's
 * country in `request.cf` as Cloudflare's edge fills it (workerd's cf-blob header, tests only).
 * The entry is read back from the Durable Objects' own SQLite files on disk, not through the
 * Worker. Skipped, with the reason, where workerd cannot run.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { buildWorker } from '../../src/build/worker.ts';
import { startWorkerd, type RunningWorkerd } from '../../src/build/workerd.ts';
import { isTombstone, parseGraphEntry } from '../../src/core/identity/graph-entry.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { workerdUnavailable } from '../helpers/workerd-process.ts';
import {
  ecServerToml,
  EXPIRED_COOKIE,
  get,
  MINTED_COOKIE,
  mintedId,
  NAVIGATION,
  scratchDir,
  setCookies,
} from './ec-e2e-fixtures.ts';

const CF_HEADER = 'x-test-cf-blob';
/** What Cloudflare's edge adds to a reader's request: where they are, and their address. */
const edge = (cf: Record<string, unknown>) => ({
  [CF_HEADER]: JSON.stringify(cf),
  'cf-connecting-ip': '203.0.113.7',
});
const CANADA = edge({ country: 'CA', regionCode: 'ON', asn: 577 });
const CALIFORNIA = edge({ country: 'US', regionCode: 'CA', asn: 7922 });

const unavailable = workerdUnavailable();
if (unavailable !== undefined)
  console.log(`# skipping the workerd Edge Cookie test: ${unavailable}`);

/**
 * Every `kv` row of every Durable Object's SQLite file under `objects/` (one file per object:
 * the store spreads keys over shards). Read-only beside the running workerd: WAL lets it.
 */
async function durableObjectRows(dir: string): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  const files: string[] = [];
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) await walk(child);
      else if (entry.name.endsWith('.sqlite')) files.push(child);
    }
  };
  await walk(join(dir, 'objects'));
  for (const file of files) {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      // workerd keeps its own index of objects beside them (metadata.sqlite): no `kv` table.
      const hasKv = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'")
        .get();
      if (hasKv === undefined) continue;
      for (const row of db.prepare('SELECT key, value FROM kv').all()) {
        rows.set(String(row['key']), String(row['value']));
      }
    } finally {
      db.close();
    }
  }
  return rows;
}

describe('Edge Cookie in workerd with the Durable Object store', { skip: unavailable }, () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let origin: TestOrigin;
  let workerd: RunningWorkerd;

  before(async () => {
    scratch = await scratchDir();
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><head></head><body>page</body></html>');
    });
    const config = join(scratch.dir, 'trusted-server.toml');
    // `[store]` and `[geo]` are Node's: the Worker's store is its binding, its geo request.cf.
    const address = origin.url.slice('http://'.length);
    await writeFile(
      config,
      `${ecServerToml('http://www.origin.test', {})}\n[proxy]\norigin_address = "${address}"\n`,
    );
    const built = await buildWorker({ config, outDir: scratch.dir });
    workerd = await startWorkerd({ ...built, cfBlobHeader: CF_HEADER });
  });
  after(async () => {
    await workerd?.close();
    await origin?.close();
    await scratch?.remove();
  });

  it('a navigation mints the cookie and the Durable Object holds its entry', async () => {
    const got = await get(workerd, '/article', { ...NAVIGATION, ...CANADA });
    assert.equal(got.status, 200);
    const lines = setCookies(got);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0] as string, MINTED_COOKIE);
    const id = mintedId(got) as string;
    const stored = (await durableObjectRows(workerd.dir)).get(id);
    assert.ok(stored, 'the entry is in a Durable Object');
    const parsed = parseGraphEntry(stored);
    assert.ok(parsed.ok);
    assert.equal(parsed.entry.geo.country, 'CA');
    assert.equal(isTombstone(parsed.entry), false);

    const again = await get(workerd, '/article', {
      ...NAVIGATION,
      ...CANADA,
      cookie: `ts-ec=${id}`,
    });
    assert.deepEqual(setCookies(again), []);
  });

  it('GPC in a US privacy state expires the cookie and tombstones the Durable Object entry', async () => {
    const id = mintedId(
      await get(workerd, '/article', {
        ...NAVIGATION,
        ...CALIFORNIA,
        cookie: 'us_privacy=1YNN',
      }),
    ) as string;
    assert.ok(id);
    const gpc = await get(workerd, '/article', {
      ...NAVIGATION,
      ...CALIFORNIA,
      'sec-gpc': '1',
      cookie: `ts-ec=${id}`,
    });
    assert.deepEqual(setCookies(gpc), [EXPIRED_COOKIE]);
    const stored = (await durableObjectRows(workerd.dir)).get(id);
    assert.ok(stored);
    const parsed = parseGraphEntry(stored);
    assert.ok(parsed.ok && isTombstone(parsed.entry));
  });
});
