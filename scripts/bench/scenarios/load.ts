/**
 * `--load`: requests/s and latency percentiles at `--connections` for `--duration` seconds — the
 * publisher page (gzip from the origin; the client sends `--accept-encoding`, by default a
 * browser's, so Trusted Server and the workerd peer both answer br) and the static bundle on the subject,
 * and with `--peers` the same page through the passthrough ceiling and the workerd worker, with
 * ratios (the publisher-proxy bar: ≥ 2× the workerd worker's requests/s).
 *
 * Where the bench started the server itself (Linux), each run also reads the server's CPU time from
 * /proc: CPU per request, all threads and main thread, and its ratio to each peer's. A shared
 * machine's noise moves requests/s a lot more than it moves CPU per request.
 *
 * With `--rounds N` every run is repeated N times, interleaved (A B C A B C …) so the shared
 * machine's slow stretches hit every server alike; figures are medians over the rounds and each
 * ratio is the median of the per-round ratios.
 */
import { endpointsFor, keyOf, type BenchContext, type Endpoint } from '../context.ts';
import { loadRun, type LoadResult } from '../load-run.ts';
import { median } from '../results.ts';

interface Run {
  server: { name: string; url: URL; pid?: number };
  endpoint: Endpoint;
  results: LoadResult[];
}

export async function load(ctx: BenchContext, limits?: { connections: number; duration: number }) {
  const connections = limits?.connections ?? ctx.options.connections;
  const duration = limits?.duration ?? ctx.options.duration;
  const rounds = limits ? 1 : ctx.options.rounds;
  const [page, ...others] = endpointsFor(ctx.options.acceptEncoding) as [Endpoint, ...Endpoint[]];
  const runs: Run[] = [
    { server: ctx.subject, endpoint: page, results: [] },
    ...ctx.peers.map((server) => ({ server, endpoint: page, results: [] })),
    ...(limits
      ? []
      : others
          .filter((e) => e.name !== 'health')
          .map((endpoint) => ({ server: ctx.subject, endpoint, results: [] }))),
  ];
  for (let round = 1; round <= rounds; round++) {
    for (const run of runs) {
      const { server, endpoint } = run;
      ctx.progress(
        `  ${rounds > 1 ? `round ${round}/${rounds}: ` : ''}${server.name} ${endpoint.method} ${endpoint.path}: ${connections} connections, ${duration} s …`,
      );
      run.results.push(await loadRun(server.url, endpoint, connections, duration, server.pid));
    }
  }
  for (const { server, endpoint, results } of runs) {
    const key = `load.${server.name}.${keyOf(endpoint.name)}`;
    const label = `${server.name} ${endpoint.method} ${endpoint.path}`;
    const of = (field: keyof LoadResult) => median(results.map((result) => result[field]));
    ctx.results.add({
      key: `${key}.rps`,
      label: `${label}  requests/s`,
      value: of('rps'),
      unit: 'req/s',
      better: 'higher',
    });
    for (const p of ['p50', 'p95', 'p99'] as const) {
      ctx.results.add({
        key: `${key}.${p}`,
        label: `${label}  ${p}`,
        value: of(p),
        unit: 'ms',
        better: 'lower',
      });
    }
    ctx.results.add({
      key: `${key}.kb`,
      label: `${label}  response size`,
      value: of('bytes') / 1000,
      unit: 'kB',
      better: 'lower',
    });
    if (!Number.isNaN(of('cpuMs'))) {
      ctx.results.add({
        key: `${key}.cpu`,
        label: `${label}  server CPU per request (all threads)`,
        value: of('cpuMs'),
        unit: 'ms',
        better: 'lower',
      });
      ctx.results.add({
        key: `${key}.main-cpu`,
        label: `${label}  server CPU per request (main thread)`,
        value: of('mainCpuMs'),
        unit: 'ms',
        better: 'lower',
      });
    }
    ctx.results.add({
      key: `${key}.errors`,
      label: `${label}  errors`,
      value: results.reduce((sum, result) => sum + result.errors, 0),
      unit: 'count',
      better: 'lower',
    });
  }
  const ours = runs[0] as Run;
  for (const peer of runs.slice(1)) {
    if (peer.endpoint !== page) continue;
    /**
     * Ours over the peer's, round by round (the same stretch of machine), then the median; NaN if
     * any round has no reading.
     */
    const ratio = (field: 'rps' | 'cpuMs') => {
      const perRound = ours.results.map(
        (result, round) =>
          result[field] / ((peer.results[round] as LoadResult)[field] || Number.NaN),
      );
      return perRound.some(Number.isNaN) ? Number.NaN : median(perRound);
    };
    const cpuRatio = ratio('cpuMs');
    if (!Number.isNaN(cpuRatio)) {
      ctx.results.add({
        key: `load.cpu-ratio.${peer.server.name}`,
        label: `${ctx.subject.name} / ${peer.server.name}  server CPU per request on /`,
        value: cpuRatio,
        unit: '×',
        better: 'lower',
      });
    }
    ctx.results.add({
      key: `load.ratio.${peer.server.name}`,
      label: `${ctx.subject.name} / ${peer.server.name}  requests/s on /`,
      value: ratio('rps'),
      unit: '×',
      better: 'higher',
      ...(peer.server.name === 'workerd-htmlrewriter'
        ? { bar: { op: '>=' as const, value: 2 } }
        : {}),
    });
  }
}
