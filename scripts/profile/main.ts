/**
 * `npm run profile -- [--endpoint /] [--method POST --body '{…}'] [--requests N] [--concurrency N] [--heap]`
 *
 * Starts the bench origin and one Trusted Server process with the inspector, warms it, starts the
 * V8 CPU profiler (and with `--heap` the sampling heap profiler) inside it, fires the requests,
 * stops, and writes under benchmark-results/profiles/:
 *   profile-<stamp>.cpuprofile      Chrome DevTools, speedscope, VS Code
 *   profile-<stamp>.trace.json      Firefox Profiler (Load a profile from file), Chrome Performance
 *   profile-<stamp>.heapprofile     with --heap: Chrome DevTools Memory panel
 * and prints a top-20 self-time table and the share of time per area of the server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RESULTS_DIR } from '../bench/compare.ts';
import { BROWSER_ACCEPT_ENCODING } from '../bench/context.ts';
import { acceptEncoding } from '../bench/options.ts';
import { startBenchOrigin } from '../bench/origin.ts';
import { formatValue } from '../bench/results.ts';
import { startTrustedServer } from '../bench/servers.ts';
import { renderTable } from '../bench/table.ts';
import { analyse, toTraceEvents, type CpuProfile } from './cpu-profile.ts';
import { InspectorSession } from './inspector.ts';
import { cpuSince, threadCpu } from './threads.ts';

const USAGE = `usage: npm run profile -- [--endpoint PATH] [--method GET|POST|…] [--body DATA]
                           [--requests N] [--concurrency N] [--warmup N] [--heap] [--no-nextjs]
                           [--accept-encoding VALUE]   (default: a browser's, "${BROWSER_ACCEPT_ENCODING}")
`;

function options() {
  const { values } = parseArgs({
    strict: true,
    options: {
      endpoint: { type: 'string', default: '/' },
      method: { type: 'string', default: 'GET' },
      body: { type: 'string' },
      requests: { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '20' },
      heap: { type: 'boolean' },
      'no-nextjs': { type: 'boolean' },
      'accept-encoding': { type: 'string', default: BROWSER_ACCEPT_ENCODING },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const count = (flag: 'requests' | 'concurrency' | 'warmup', min: number) => {
    const value = Number(values[flag]);
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`--${flag} must be an integer ≥ ${min}, got "${values[flag]}"`);
    }
    return value;
  };
  if (!values.endpoint.startsWith('/'))
    throw new Error(`--endpoint must be a path starting with "/", got "${values.endpoint}"`);
  const method = values.method.toUpperCase();
  if (!/^[A-Z]+$/.test(method))
    throw new Error(`--method must be an HTTP method, got "${values.method}"`);
  return {
    endpoint: values.endpoint,
    method,
    body: values.body,
    requests: count('requests', 1),
    concurrency: count('concurrency', 1),
    warmup: count('warmup', 0),
    heap: values.heap === true,
    nextjs: values['no-nextjs'] !== true,
    acceptEncoding: acceptEncoding(values['accept-encoding']),
  };
}

type Options = ReturnType<typeof options>;

function fire(base: URL, opts: Options): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      new URL(opts.endpoint, base),
      {
        method: opts.method,
        headers: {
          'accept-encoding': opts.acceptEncoding,
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(opts.body);
  });
}

async function fireAll(base: URL, opts: Options, count: number, label: string): Promise<void> {
  let next = 0;
  let done = 0;
  const statuses = new Map<number, number>();
  const lane = async () => {
    while (next < count) {
      next++;
      const status = await fire(base, opts);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      done++;
      // A live counter on a terminal; one line when the output is a log.
      if (process.stderr.isTTY) process.stderr.write(`\r  ${label} ${done}/${count}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, count) }, lane));
  const tally = [...statuses].map(([status, n]) => `${n}× ${status}`).join(', ');
  process.stderr.write(
    `${process.stderr.isTTY ? '\r' : ''}  ${label} ${done}/${count} (${tally})\n`,
  );
}

async function main(): Promise<void> {
  const opts = options();
  const origin = await startBenchOrigin();
  const server = await startTrustedServer(origin.port, opts.nextjs, '/health', [
    '--inspect=127.0.0.1:0',
  ]);
  let inspector: InspectorSession | undefined;
  try {
    inspector = await InspectorSession.connect(server.output);
    process.stderr.write(
      `profiling ${opts.method} ${opts.endpoint} (origin: ${origin.pageName})\n`,
    );
    if (opts.warmup > 0) await fireAll(server.url, opts, opts.warmup, 'warm-up');

    await inspector.send('Profiler.enable');
    await inspector.send('Profiler.setSamplingInterval', { interval: 100 });
    // Collected objects are kept in the heap profile: what a request allocates (and the GC then
    // has to clean up) matters here, not only what survives the run.
    if (opts.heap)
      await inspector.send('HeapProfiler.startSampling', {
        samplingInterval: 16384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    const before = threadCpu(server.pid);
    const started = performance.now();
    await inspector.send('Profiler.start');
    await fireAll(server.url, opts, opts.requests, 'requests');
    const { profile } = await inspector.send<{ profile: CpuProfile }>('Profiler.stop');
    const wallMs = performance.now() - started;
    const threads = cpuSince(before, threadCpu(server.pid), server.pid);
    const heap = opts.heap
      ? (await inspector.send<{ profile: object }>('HeapProfiler.stopSampling')).profile
      : undefined;

    const dir = join(RESULTS_DIR, 'profiles');
    mkdirSync(dir, { recursive: true });
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\..*/, '')
      .replace('T', '-');
    const base = join(dir, `profile-${stamp}`);
    writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
    writeFileSync(`${base}.trace.json`, JSON.stringify(toTraceEvents(profile, 'trusted-server')));
    if (heap) writeFileSync(`${base}.heapprofile`, JSON.stringify(heap));

    const analysis = analyse(profile);
    const share = (ms: number) => `${((ms / analysis.busyMs) * 100).toFixed(1)} %`;
    console.log(
      `\n${opts.requests} × ${opts.method} ${opts.endpoint} in ${wallMs.toFixed(0)} ms; main thread busy ${analysis.busyMs.toFixed(0)} ms (${(analysis.busyMs / opts.requests).toFixed(2)} ms per request)\n`,
    );
    console.log('top 20 by self time (main thread):\n');
    console.log(
      renderTable(
        ['function', 'where', 'self', 'share'],
        analysis.top.map((entry) => [
          entry.name,
          entry.where,
          formatValue(entry.selfMs, 'ms'),
          share(entry.selfMs),
        ]),
      ),
    );
    console.log('\ntime per area (main thread; builtins counted with their caller):\n');
    console.log(
      renderTable(
        ['area', 'self', 'share'],
        [...analysis.areas]
          .filter(([, ms]) => ms > 0)
          .sort((a, b) => b[1] - a[1])
          .map(([area, ms]) => [area, formatValue(ms, 'ms'), share(ms)]),
      ),
    );
    console.log(
      '\nCPU per thread during the requests (/proc; zlib runs on the libuv pool, off the main thread):\n',
    );
    console.log(
      renderTable(
        ['thread', 'CPU'],
        [...threads].sort((a, b) => b[1] - a[1]).map(([kind, ms]) => [kind, formatValue(ms, 'ms')]),
      ),
    );
    console.log(
      `\nwritten:\n  ${base}.cpuprofile\n  ${base}.trace.json${heap ? `\n  ${base}.heapprofile` : ''}`,
    );
  } finally {
    inspector?.close();
    await server.stop();
    origin.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `profile failed: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`,
    );
    process.exit(1);
  },
);
