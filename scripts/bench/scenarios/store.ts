/**
 * `--store`: what a key-value store call costs, for budgeting the features built on the stores
 * (the identity graph reads one entry per request and writes on sync). For the memory store, a
 * SQLite file in a temporary directory and a temporary redis-server on loopback (skipped, with
 * the reason, where redis-server is not installed), three operations on 1000 entries of a
 * graph-sized value:
 *
 * - `get` of an existing key;
 * - `put`, overwriting an existing key;
 * - `cas`: `updateKv`, a get and a write only over the generation read.
 *
 * Latency (p50, p99) comes from one caller making calls back to back, so it is the call's own
 * cost; ops/s comes from 16 callers at once, what a busy server gets (the same as one caller for
 * the synchronous SQLite and memory stores, far more for Redis, which pipelines). Each
 * measurement runs `--duration`/8 seconds (1 s by default), after a short warm-up.
 * Bars (issue 16): SQLite get p50 < 50 µs, put p50 < 200 µs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KvStore } from '../../../src/core/store/kv.ts';
import { updateKv } from '../../../src/core/store/kv-update.ts';
import { createMemoryKv } from '../../../src/core/store/memory-kv.ts';
import { openRedisKv } from '../../../src/node/stores/redis-kv.ts';
import { openSqliteKv } from '../../../src/node/stores/sqlite-kv.ts';
import { redisSkip, startRedis } from '../../../test/helpers/redis.ts';
import type { BenchBase } from '../context.ts';
import type { Metric } from '../results.ts';
import { renderTable } from '../table.ts';

const ENTRIES = 1000;
const CALLERS = 16;
/** Latency samples kept per measurement: enough for a stable p99, bounded memory. */
const MAX_SAMPLES = 1_000_000;

/** About what an identity graph entry holds: an EC, a few partner IDs, consent and timestamps. */
const VALUE = JSON.stringify({
  ec: 'a'.repeat(64),
  partners: Object.fromEntries(
    Array.from({ length: 6 }, (_, i) => [`partner${i}`, { uid: `u-${'x'.repeat(24)}`, at: i }]),
  ),
  consent: { gdpr: true, tcf: 'C'.repeat(40) },
  created: 1_765_000_000_000,
});

type Operation = 'get' | 'put' | 'cas';
const OPERATIONS: Operation[] = ['get', 'put', 'cas'];

interface StoreUnderTest {
  name: string;
  open(): Promise<KvStore>;
  cleanup(): Promise<void>;
}

interface Measured {
  p50Us: number;
  p99Us: number;
  opsPerSecond: number;
}

const keyOf = (index: number) => `ec:${index.toString(16).padStart(8, '0')}`;

function call(store: KvStore, operation: Operation, index: number): Promise<unknown> {
  const key = keyOf(index % ENTRIES);
  if (operation === 'get') return store.get(key);
  if (operation === 'put') return store.put(key, VALUE);
  return updateKv(store, key, (current) => current?.value ?? VALUE, { attempts: 100 });
}

async function latencies(store: KvStore, operation: Operation, seconds: number) {
  const samples = new Float64Array(MAX_SAMPLES);
  let count = 0;
  const end = performance.now() + seconds * 1000;
  while (count < MAX_SAMPLES) {
    const started = performance.now();
    await call(store, operation, count * 7919);
    const finished = performance.now();
    samples[count++] = finished - started;
    if (finished >= end) break;
  }
  const sorted = samples.subarray(0, count).sort();
  const at = (fraction: number) =>
    (sorted[Math.min(count - 1, Math.floor(count * fraction))] ?? 0) * 1000;
  return { p50Us: at(0.5), p99Us: at(0.99) };
}

async function throughput(store: KvStore, operation: Operation, seconds: number) {
  let done = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, caller) => {
      for (let i = caller; performance.now() < end; i += CALLERS) {
        await call(store, operation, i * 7919);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

async function measureStore(store: KvStore, seconds: number): Promise<Map<Operation, Measured>> {
  for (let i = 0; i < ENTRIES; i++) await store.put(keyOf(i), VALUE);
  const measured = new Map<Operation, Measured>();
  for (const operation of OPERATIONS) {
    await latencies(store, operation, Math.min(0.2, seconds / 5)); // warm-up
    const { p50Us, p99Us } = await latencies(store, operation, seconds);
    const opsPerSecond = await throughput(store, operation, seconds);
    measured.set(operation, { p50Us, p99Us, opsPerSecond });
  }
  return measured;
}

function storesUnderTest(progress: (message: string) => void): StoreUnderTest[] {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const stores: StoreUnderTest[] = [
    {
      name: 'memory',
      open: () => Promise.resolve(createMemoryKv()),
      cleanup: () => Promise.resolve(),
    },
    {
      name: 'sqlite',
      open: () =>
        Promise.resolve(openSqliteKv({ path: join(dir, 'bench.db'), busyTimeoutMs: 1000 })),
      cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    },
  ];
  if (redisSkip) {
    progress(`  redis: skipped, ${redisSkip}`);
    return stores;
  }
  let stop = () => Promise.resolve();
  stores.push({
    name: 'redis',
    async open() {
      const redis = await startRedis();
      stop = () => redis.stop();
      return openRedisKv({ url: redis.url, timeoutMs: 1000 });
    },
    cleanup: () => stop(),
  });
  return stores;
}

const BARS: Partial<Record<string, Metric['bar']>> = {
  'sqlite.get': { op: '<', value: 50 },
  'sqlite.put': { op: '<', value: 200 },
};

export async function store(ctx: BenchBase): Promise<void> {
  const seconds = Math.min(ctx.options.duration, 80) / 8;
  const rows: string[][] = [];
  for (const subject of storesUnderTest((message) => ctx.progress(message))) {
    const kv = await subject.open();
    let measured: Map<Operation, Measured>;
    try {
      measured = await measureStore(kv, seconds);
    } finally {
      await kv.close();
      await subject.cleanup();
    }
    for (const [operation, { p50Us, p99Us, opsPerSecond }] of measured) {
      const name = `${subject.name} ${operation}`;
      ctx.progress(
        `  ${name}: p50 ${p50Us.toFixed(1)} µs, p99 ${p99Us.toFixed(1)} µs, ${opsPerSecond.toFixed(0)} ops/s`,
      );
      rows.push([name, p50Us.toFixed(1), p99Us.toFixed(1), opsPerSecond.toFixed(0)]);
      const key = `store.${subject.name}.${operation}`;
      const bar = BARS[`${subject.name}.${operation}`];
      ctx.results.add({
        key: `${key}.p50`,
        label: `store ${name}  p50 (one caller)`,
        value: p50Us,
        unit: 'µs',
        better: 'lower',
        ...(bar === undefined ? {} : { bar }),
      });
      ctx.results.add({
        key: `${key}.p99`,
        label: `store ${name}  p99 (one caller)`,
        value: p99Us,
        unit: 'µs',
        better: 'lower',
      });
      ctx.results.add({
        key: `${key}.ops`,
        label: `store ${name}  ops/s (${CALLERS} callers)`,
        value: opsPerSecond,
        unit: 'ops/s',
        better: 'higher',
      });
    }
  }
  ctx.progress(
    `\n${renderTable(['store operation', 'p50 µs', 'p99 µs', `ops/s (${CALLERS} callers)`], rows)}\n`,
  );
}
