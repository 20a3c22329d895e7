/**
 * `npm run bench -- [mode…] [options]`: the project's benchmark suite, offline on one machine.
 * By default it starts its own origin (the fixture page, plain, gzip and dripping) and one
 * Trusted Server process; `--peers` adds reference servers measured in the same run; `--target`
 * measures a deployed instance instead. Progress goes to stderr, the summary table to stdout.
 * See docs/performance.md for what each scenario measures and the current numbers.
 */
import { changeChart, changeTable, diffRuns, loadRun, saveRun, writeChart } from './compare.ts';
import type { BenchBase, BenchContext } from './context.ts';
import { timedRequest } from './http-timing.ts';
import {
  isStandalone,
  LOCAL_ONLY,
  parseBenchOptions,
  USAGE,
  parseOrExit,
  type BenchOptions,
  type ServerMode,
  type StandaloneMode,
} from './options.ts';
import { startBenchOrigin, type BenchOrigin } from './origin.ts';
import { formatValue, meetsBar, Results, type BenchRun } from './results.ts';
import { coldStart } from './scenarios/cold-start.ts';
import { consent } from './scenarios/consent.ts';
import { drip } from './scenarios/drip.ts';
import { ec } from './scenarios/ec.ts';
import { firstParty } from './scenarios/first-party.ts';
import { endpoints } from './scenarios/endpoints.ts';
import { load } from './scenarios/load.ts';
import { memory } from './scenarios/memory.ts';
import { quick } from './scenarios/quick.ts';
import { signing } from './scenarios/signing.ts';
import { store } from './scenarios/store.ts';
import { ttfb } from './scenarios/ttfb.ts';
import {
  startPassthrough,
  startTrustedServer,
  startWorkerdPeer,
  type RunningServer,
} from './servers.ts';
import { renderTable } from './table.ts';

const SCENARIOS: Record<ServerMode, (ctx: BenchContext) => Promise<void>> = {
  quick,
  ttfb,
  endpoints,
  'cold-start': coldStart,
  drip,
  memory,
  load: (ctx) => load(ctx),
};

/** Scenarios that need no origin or server of ours. */
const STANDALONE: Record<StandaloneMode, (ctx: BenchBase) => Promise<void>> = {
  store,
  consent,
  ec,
  signing,
  'first-party': firstParty,
};

function parse(): BenchOptions {
  return parseOrExit('bench', USAGE, () => parseBenchOptions(process.argv.slice(2)));
}

const progress = (message: string) => process.stderr.write(`${message}\n`);

async function setUp(options: BenchOptions, results: Results) {
  const servers: RunningServer[] = [];
  let origin: BenchOrigin | undefined;
  let ctx: BenchContext;
  if (options.target) {
    const skipped = options.modes.filter((mode) => LOCAL_ONLY.has(mode));
    if (skipped.length > 0)
      progress(
        `note: --target: skipping ${skipped.join(', ')} (they need a server process of ours)`,
      );
    if (options.peers)
      progress('note: --target: --peers ignored (peers run beside a local server only)');
    options.modes = options.modes.filter((mode) => !LOCAL_ONLY.has(mode));
    // Any HTTP answer means the instance is up; a refused or silent address ends the run here.
    await timedRequest(options.target, {}, 5000).catch((error: unknown) => {
      throw new Error(
        `--target ${options.target?.href} is not answering: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    ctx = {
      options,
      results,
      progress,
      subject: { name: 'target', url: options.target },
      peers: [],
    };
  } else {
    origin = await startBenchOrigin();
    const originPort = origin.port;
    progress(
      `origin: ${origin.pageName}, ${(origin.pageBytes / 1024).toFixed(0)} KiB, on 127.0.0.1:${originPort}`,
    );
    const subject = await startTrustedServer(originPort, options.nextjs);
    servers.push(subject);
    const peers: RunningServer[] = [];
    if (options.peers) {
      peers.push(await startPassthrough(originPort));
      const worker = await startWorkerdPeer(originPort);
      if (worker) peers.push(worker);
    }
    servers.push(...peers);
    ctx = {
      options,
      results,
      progress,
      subject,
      origin,
      peers,
      freshServer: (readyPath) => startTrustedServer(originPort, options.nextjs, readyPath),
    };
  }
  const tearDown = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    origin?.close();
  };
  return { ctx, tearDown };
}

function summary(run: BenchRun): string {
  const rows = run.metrics.map((metric) => {
    const met = meetsBar(metric);
    const bar = metric.bar
      ? `${metric.bar.op.replace('<=', '≤').replace('>=', '≥')} ${formatValue(metric.bar.value, metric.unit)}: ${met ? 'met' : 'NOT met'}`
      : '';
    return [metric.label, formatValue(metric.value, metric.unit), bar];
  });
  return renderTable(['metric', 'value', 'bar'], rows);
}

async function main(): Promise<number> {
  const options = parse();
  const baseline = options.compare === undefined ? undefined : loadRun(options.compare);
  const results = new Results();
  const needsServer = options.modes.some((mode) => !isStandalone(mode));
  const { ctx, tearDown } = needsServer
    ? await setUp(options, results)
    : { ctx: undefined, tearDown: () => Promise.resolve() };
  const started = performance.now();
  try {
    for (const [index, mode] of options.modes.entries()) {
      progress(`[${index + 1}/${options.modes.length}] ${mode}`);
      if (isStandalone(mode)) await STANDALONE[mode]({ options, results, progress });
      else if (ctx) await SCENARIOS[mode](ctx);
    }
  } finally {
    await tearDown();
  }
  const run = results.toRun({
    target: options.target?.href ?? 'local',
    modes: options.modes,
    nextjs: options.nextjs,
    argv: process.argv.slice(2),
  });
  console.log(
    `\nbench summary — ${run.meta.commit}, Node ${run.meta.node}, ${run.meta.cpus}, Next.js ${options.nextjs ? 'on' : 'off'}, client Accept-Encoding "${options.acceptEncoding}", ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  console.log(summary(run));
  if (options.save) console.log(`\nsaved: ${saveRun(options.save, run)}`);
  if (baseline && options.compare) {
    const changes = diffRuns(baseline, run);
    console.log(
      `\ncompared with "${options.compare}" (${baseline.meta.commit}, ${baseline.meta.date}):\n`,
    );
    console.log(changes.length > 0 ? changeTable(changes) : '(no metrics in common)');
    const title = `${options.compare} (${baseline.meta.commit}) → this run (${run.meta.commit})`;
    console.log(`\nchart: ${writeChart(options.compare, changeChart(changes, title))}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
