/**
 * Smoke test of `npm run bench` and `npm run profile` (short runs): each starts its own origin and
 * server, measures, and writes what it promises — results JSON, a comparison table and SVG chart,
 * a CPU profile in both formats and a heap profile — and refuses bad flags by name.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { redisSkip } from './helpers/redis.ts';

const BENCH = fileURLToPath(new URL('../scripts/bench/main.ts', import.meta.url));
const PROFILE = fileURLToPath(new URL('../scripts/profile/main.ts', import.meta.url));
const results = mkdtempSync(join(tmpdir(), 'bench-smoke-'));

function run(script: string, args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, BENCH_RESULTS_DIR: results },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface SavedRun {
  meta: { modes: string[]; commit: string };
  metrics: { key: string; value: number; unit: string }[];
}

describe('npm run bench', () => {
  it('--quick measures every endpoint and a short load run, and --save writes the results', async () => {
    const { code, stdout, stderr } = await run(BENCH, [
      '--quick',
      '--duration',
      '1',
      '--save',
      'smoke',
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /bench summary/);
    assert.match(stdout, /trusted-server GET \/ {2}requests\/s/);
    const saved = JSON.parse(readFileSync(join(results, 'smoke.json'), 'utf8')) as SavedRun;
    assert.deepEqual(saved.meta.modes, ['quick']);
    const metric = (key: string) => saved.metrics.find((m) => m.key === key)?.value;
    for (const endpoint of ['publisher-proxy', 'static-tsjs', 'health']) {
      assert.ok((metric(`quick.${endpoint}.total`) ?? 0) > 0, `quick.${endpoint}.total`);
    }
    assert.ok((metric('load.trusted-server.publisher-proxy.rps') ?? 0) > 0);
    assert.equal(metric('load.trusted-server.publisher-proxy.errors'), 0);
  });

  it('--compare prints before/after with deltas and writes an SVG chart', async () => {
    const { code, stdout, stderr } = await run(BENCH, [
      '--quick',
      '--duration',
      '1',
      '--compare',
      'smoke',
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /compared with "smoke"/);
    assert.match(stdout, /metric\s+before\s+after\s+change/);
    assert.match(stdout, /[+-]\d+\.\d %/);
    const svg = readFileSync(join(results, 'compare-smoke.svg'), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /requests\/s/);
  });

  it('--endpoints times the phases of each route; --ttfb shows first vs rest on a fresh server', async () => {
    const { code, stdout, stderr } = await run(BENCH, [
      '--endpoints',
      '--ttfb',
      '--runs',
      '2',
      '--requests',
      '3',
    ]);
    assert.equal(code, 0, stderr);
    for (const phase of ['DNS', 'connect', 'TTFB', 'total']) {
      assert.match(stdout, new RegExp(`GET /static/tsjs=tsjs-unified\\.min\\.js {2}${phase}`));
    }
    assert.match(stdout, /TTFB, first request/);
    assert.match(stdout, /first \/ rest \(cold-start pattern\)/);
    assert.match(stderr, /request {2}3\/3/);
  });

  it('--store measures get, put and CAS of every store without starting a server', async () => {
    const { code, stdout, stderr } = await run(BENCH, [
      '--store',
      '--duration',
      '0.4',
      '--save',
      'store-smoke',
    ]);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /origin:/);
    assert.match(stdout, /store sqlite get {2}p50 \(one caller\) .* < 50\.0 µs: (met|NOT met)/);
    assert.match(stderr, /store operation\s+p50 µs\s+p99 µs\s+ops\/s/);
    const saved = JSON.parse(readFileSync(join(results, 'store-smoke.json'), 'utf8')) as SavedRun;
    const stores = redisSkip ? ['memory', 'sqlite'] : ['memory', 'sqlite', 'redis'];
    for (const store of stores) {
      for (const operation of ['get', 'put', 'cas']) {
        for (const [stat, unit] of [
          ['p50', 'µs'],
          ['p99', 'µs'],
          ['ops', 'ops/s'],
        ] as const) {
          const metric = saved.metrics.find((m) => m.key === `store.${store}.${operation}.${stat}`);
          assert.ok(metric && metric.value > 0, `store.${store}.${operation}.${stat}`);
          assert.equal(metric.unit, unit);
        }
      }
    }
  });

  it('--consent measures ours, the library and the memo without starting a server', async () => {
    const { code, stdout, stderr } = await run(BENCH, [
      '--consent',
      '--duration',
      '0.4',
      '--save',
      'consent-smoke',
    ]);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /origin:/);
    assert.match(stderr, /consent string\s+library µs\s+ours µs\s+library \/ ours\s+memo µs/);
    assert.match(stdout, /consent tc decode, ours {2}median .* < 20\.0 µs: (met|NOT met)/);
    assert.match(stdout, /consent hostile tc .*, ours {2}median .* < 100 µs: (met|NOT met)/);
    const saved = JSON.parse(readFileSync(join(results, 'consent-smoke.json'), 'utf8')) as SavedRun;
    for (const name of ['tc', 'gpp']) {
      for (const stat of ['library', 'ours', 'memo', 'ratio']) {
        const metric = saved.metrics.find((m) => m.key === `consent.${name}.${stat}`);
        assert.ok(metric && metric.value > 0, `consent.${name}.${stat}`);
      }
    }
  });

  it('--ec compares EC on and off on its own servers and reports both bars', async () => {
    const { code, stdout, stderr } = await run(BENCH, [
      '--ec',
      '--duration',
      '0.3',
      '--connections',
      '2',
      '--requests',
      '2',
      '--save',
      'ec-smoke',
    ]);
    assert.equal(code, 0, stderr);
    assert.match(
      stderr,
      /round\s+EC on req\/s\s+EC off req\/s\s+on \/ off\s+CPU off \/ on\s+mint p50 ms/,
    );
    assert.match(stdout, /EC on \/ off: returning reader requests\/s .* ≥ 0\.95×: (met|NOT met)/);
    assert.match(stdout, /minting − returning p50 .* < 0\.50 ms: (met|NOT met)/);
    const saved = JSON.parse(readFileSync(join(results, 'ec-smoke.json'), 'utf8')) as SavedRun;
    for (const key of ['ec.returning.on.rps', 'ec.returning.off.rps', 'ec.returning.ratio']) {
      const metric = saved.metrics.find((m) => m.key === key);
      assert.ok(metric && metric.value > 0, key);
    }
    for (const key of ['ec.mint.added-p50', 'ec.mint.small.added-p50']) {
      assert.ok(
        saved.metrics.some((m) => m.key === key),
        key,
      );
    }
  });

  it('refuses bad flags with a message naming the flag', async () => {
    const bad = await run(BENCH, ['--runs', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--runs must be a positive integer, got "0"/);
    const unknown = await run(BENCH, ['--bogus']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--bogus/);
    const missing = await run(BENCH, ['--quick', '--compare', 'never-saved']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--compare never-saved: .*never-saved\.json does not exist/);
  });
});

describe('npm run profile', () => {
  it('writes a .cpuprofile, a Firefox Profiler trace and a heap profile, and prints the breakdown', async () => {
    const { code, stdout, stderr } = await run(PROFILE, [
      '--requests',
      '3',
      '--warmup',
      '1',
      '--heap',
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /top 20 by self time/);
    assert.match(stdout, /time per area/);
    assert.match(stdout, /HTML rewriting/);
    assert.match(stdout, /main thread \(JavaScript\)/);
    const dir = join(results, 'profiles');
    const files = readdirSync(dir);
    const find = (suffix: string) => {
      const name = files.find((file) => file.endsWith(suffix));
      assert.ok(name, `no *${suffix} in ${files.join(', ')}`);
      return JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
    };
    const cpu = find('.cpuprofile');
    assert.ok(Array.isArray(cpu.nodes) && Array.isArray(cpu.samples) && cpu.samples.length > 0);
    const trace = find('.trace.json') as { traceEvents: { name: string }[] };
    assert.ok(trace.traceEvents.some((event) => event.name === 'ProfileChunk'));
    const heap = find('.heapprofile');
    assert.ok(typeof heap.head === 'object');
    assert.ok(existsSync(dir));
  });

  it('refuses a bad --endpoint by name', async () => {
    const { code, stderr } = await run(PROFILE, ['--endpoint', 'nope']);
    assert.equal(code, 1);
    assert.match(stderr, /--endpoint must be a path starting with "\/", got "nope"/);
  });
});
