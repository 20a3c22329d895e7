/**
 * `npm run soak -- [--minutes N] [--connections C] [--idle S] [--sample S] [--accept-encoding V]
 * [--out DIR] [--server-root DIR] [--node-flags F] [--no-nextjs]`: memory under sustained load.
 *
 * Starts the bench origin and one `trusted-server serve` process (with preload.ts, which reports
 * the server's own `process.memoryUsage()`), takes a baseline, drives the page at C connections
 * for N minutes while sampling the server's RSS (/proc) and heap/external memory, then samples it
 * idle for S seconds with a forced GC half-way. Prints a table and a summary with the goal met or
 * not, and writes soak-<stamp>.json and soak-<stamp>.svg. Exit code 1 only when the harness
 * itself fails (server died, origin failed, watchdog); a missed goal is reported, not failed.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchOrigin } from '../bench/origin.ts';
import { parseOrExit } from '../bench/options.ts';
import { gitCommit, ROOT, sleep } from '../bench/processes.ts';
import { startTrustedServer } from '../bench/servers.ts';
import { soakChart } from './chart.ts';
import { startLoad } from './load.ts';
import { forcedGcReading, readMemory, usageLines, type MemoryReading } from './memory.ts';
import { parseSoakOptions, USAGE, type SoakOptions } from './options.ts';
import {
  addErrors,
  errorText,
  sampleTable,
  summarise,
  summaryText,
  type Phase,
  type Sample,
} from './report.ts';

const PRELOAD = fileURLToPath(new URL('./preload.ts', import.meta.url));
const progress = (message: string) => process.stderr.write(`${message}\n`);

function parse(): SoakOptions {
  return parseOrExit('soak', USAGE, () => parseSoakOptions(process.argv.slice(2)));
}

const stamp = () =>
  new Date()
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d+Z$/, 'Z');
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

async function soak(options: SoakOptions): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'ts-soak-'));
  const usageFile = join(work, 'memory.jsonl');
  // Read by preload.ts in the server (children inherit the environment).
  process.env.SOAK_MEMORY_FILE = usageFile;
  const origin = await startBenchOrigin();
  progress(`origin: ${origin.pageName}, ${(origin.pageBytes / 1024).toFixed(0)} KiB`);
  const root = options.serverRoot ?? ROOT;
  const server = await startTrustedServer(
    origin.port,
    options.nextjs,
    '/health',
    [...options.nodeFlags, '--import', PRELOAD],
    root,
  );
  const commit = gitCommit(root);
  progress(`server: ${root} (${commit}), pid ${server.pid}, ${server.url.href}`);
  const samples: Sample[] = [];
  const loadMs = options.minutes * 60_000;
  let loadStart = performance.now();
  const alive = () => {
    try {
      process.kill(server.pid, 0);
    } catch {
      throw new Error(`the server (pid ${server.pid}) died:\n${server.output()}`);
    }
  };
  const take = (
    phase: Phase,
    seconds: number,
    rps: number,
    errors: Record<string, number>,
    reading: MemoryReading = readMemory(server.pid, usageFile),
  ) => {
    alive();
    const sample: Sample = {
      t: (performance.now() - loadStart) / 1000,
      phase,
      rps,
      seconds,
      errors,
      memory: reading,
    };
    samples.push(sample);
    const m = sample.memory;
    progress(
      `  ${sample.t.toFixed(0).padStart(5)} s  ${phase.padEnd(8)} ${phase === 'load' ? `${rps.toFixed(0)} req/s, errors ${errorText(errors)}, ` : ''}RSS ${mb(m.rss)} MB, heap ${mb(m.heapUsed)} MB, external ${mb(m.external)} MB${m.gc ? ' (after forced GC)' : ''}`,
    );
    return sample;
  };
  try {
    // Baseline: the started server, before any page (t counted back from the load's start).
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      take('baseline', 1, 0, {});
    }
    progress(
      `load: ${options.minutes} min at ${options.connections} connections, accept-encoding "${options.acceptEncoding}"`,
    );
    const before = performance.now() - loadStart;
    loadStart = performance.now();
    for (const sample of samples) sample.t -= before / 1000;
    const load = startLoad(server.url, options.acceptEncoding, options.connections, loadMs / 1000);
    let ended = false;
    void load.done.then(() => (ended = true));
    let last = performance.now();
    while (!ended) {
      await Promise.race([sleep(options.sample * 1000), load.done]);
      const now = performance.now();
      const seconds = (now - last) / 1000;
      last = now;
      const { ok, errors } = load.take();
      const previous = samples.at(-1);
      if (seconds < options.sample / 2 && previous?.phase === 'load') {
        // The run's short last interval: folded into the one before, so its rate is not noise.
        const total = previous.seconds + seconds;
        previous.rps = (previous.rps * previous.seconds + ok) / total;
        previous.seconds = total;
        addErrors(previous.errors, errors);
        continue;
      }
      take('load', seconds, seconds > 0 ? ok / seconds : 0, errors);
    }
    const loadEnd = performance.now();
    progress(`idle: ${options.idle} s (a forced GC after ${(options.idle / 2).toFixed(0)} s)`);
    let collected = false;
    while (performance.now() - loadEnd < options.idle * 1000) {
      const left = options.idle * 1000 - (performance.now() - loadEnd);
      await sleep(Math.min(options.sample * 1000, left));
      const sinceEnd = performance.now() - loadEnd;
      take('idle', options.sample, 0, {});
      if (!collected && sinceEnd >= (options.idle * 1000) / 2) {
        collected = true;
        const reading = await forcedGc(server.pid, usageFile);
        take('idle', 0, 0, {}, reading);
      }
    }
  } finally {
    await server.stop();
    origin.close();
  }

  const summary = summarise(samples);
  const title = `npm run soak -- --minutes ${options.minutes} --connections ${options.connections} (${commit}, ${new Date().toISOString().slice(0, 10)})`;
  process.stdout.write(`\nsoak: ${title}\n\n${sampleTable(samples)}\n\n${summaryText(summary)}\n`);
  mkdirSync(options.out, { recursive: true });
  const name = `soak-${stamp()}`;
  const json = join(options.out, `${name}.json`);
  const svg = join(options.out, `${name}.svg`);
  writeFileSync(
    json,
    `${JSON.stringify(
      {
        version: 1,
        meta: {
          date: new Date().toISOString(),
          commit,
          node: process.version,
          argv: process.argv.slice(2),
          ...options,
          serverRoot: root,
        },
        summary,
        samples,
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(svg, soakChart(samples, summary, title));
  process.stdout.write(`\nwrote ${json}\n      ${svg}\n`);
}

/**
 * Asks the server's preload for a full GC and waits (up to 10 s) for the line it writes: the
 * reading right after the GC, or undefined if none came.
 */
async function forcedGc(pid: number, usageFile: string): Promise<MemoryReading | undefined> {
  const before = usageLines(usageFile);
  process.kill(pid, 'SIGUSR2');
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    await sleep(100);
    const reading = forcedGcReading(pid, usageFile, before);
    if (reading) return reading;
  }
  progress('note: no forced-GC line from the server within 10 s');
  return undefined;
}

const options = parse();
// Every phase is bounded; this catches a harness that hangs anyway (a stuck client, a wedged server).
const watchdog = setTimeout(
  () => {
    process.stderr.write('soak: watchdog: the run took far longer than planned; giving up\n');
    process.exit(1);
  },
  (options.minutes * 60 + options.idle + 120) * 1000,
);
watchdog.unref();
soak(options).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
