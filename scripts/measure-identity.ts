/**
 * Quick costs of the identity core, for the bench: minting an Edge Cookie ID (HMAC + suffix) and
 * creating a graph entry on SQLite. Medians of single calls, in microseconds.
 *
 *   node scripts/measure-identity.ts [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEcMinter } from '../src/core/identity/ec-id.ts';
import { createIdentityGraph } from '../src/core/identity/identity-graph.ts';
import { openSqliteKv } from '../src/node/stores/sqlite-kv.ts';

const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag === -1 ? 20_000 : Number(process.argv[runsFlag + 1]);

async function medianMicros(work: (index: number) => Promise<unknown>): Promise<number> {
  // Warm up the JIT and the key import before timing.
  for (let index = 0; index < 1000; index++) await work(-1 - index);
  const samples = new Float64Array(runs);
  for (let index = 0; index < runs; index++) {
    const started = performance.now();
    await work(index);
    samples[index] = (performance.now() - started) * 1000;
  }
  samples.sort();
  return samples[Math.floor(runs / 2)] as number;
}

const minter = createEcMinter('test-secret-key-32-bytes-minimum');
const mint = await medianMicros((index) =>
  minter.mint(`10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`),
);
const ipv6 = await medianMicros(() => minter.mint('2001:db8:85a3::8a2e:370:7334:1234'));

const dir = mkdtempSync(join(tmpdir(), 'ts-measure-'));
const store = openSqliteKv({ path: join(dir, 'graph.db'), busyTimeoutMs: 1000 });
const graph = createIdentityGraph(store, { now: Date.now });
const ids = await Promise.all(Array.from({ length: runs + 1000 }, () => minter.mint('192.0.2.1')));
const seed = {
  geo: { country: 'US', region: 'CA', asn: 7922 },
  publisherDomain: 'publisher.example',
  device: { is_mobile: 0 as const, ja4_class: 't13d1516h2', platform_class: 'mac' },
};
const create = await medianMicros((index) =>
  graph.create(ids[index < 0 ? runs - 1 - index : index] as string, seed),
);
const upsert = await medianMicros((index) =>
  graph.upsertPartnerIdIfExists(ids[Math.abs(index)] as string, 'ssp.example', `uid-${index}`),
);
await store.close();
rmSync(dir, { recursive: true, force: true });

console.log(`runs per measure: ${runs} (node ${process.version})`);
console.log(`mint (IPv4, HMAC + suffix):  ${mint.toFixed(1)} µs median`);
console.log(`mint (IPv6):                 ${ipv6.toFixed(1)} µs median`);
console.log(`graph create on SQLite:      ${create.toFixed(1)} µs median`);
console.log(`partner upsert on SQLite:    ${upsert.toFixed(1)} µs median (read + CAS write)`);
