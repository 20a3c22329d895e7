/**
 * `--load`: requests/s and latency percentiles at `--connections` for `--duration` seconds — the
 * publisher page (gzip from the origin, gzip to the client) and the static bundle on the subject,
 * and with `--peers` the same page through the passthrough ceiling and the workerd worker, with
 * ratios (the publisher-proxy bar: ≥ 2× the workerd worker's requests/s).
 */
import { ENDPOINTS, keyOf, type BenchContext, type Endpoint } from '../context.ts';
import { loadRun } from '../load-run.ts';

export async function load(ctx: BenchContext, limits?: { connections: number; duration: number }) {
  const connections = limits?.connections ?? ctx.options.connections;
  const duration = limits?.duration ?? ctx.options.duration;
  const [page, ...others] = ENDPOINTS as [Endpoint, ...Endpoint[]];
  const runs: { server: { name: string; url: URL }; endpoint: Endpoint }[] = [
    { server: ctx.subject, endpoint: page },
    ...ctx.peers.map((server) => ({ server, endpoint: page })),
    ...(limits
      ? []
      : others
          .filter((e) => e.name !== 'health')
          .map((endpoint) => ({ server: ctx.subject, endpoint }))),
  ];
  const rates = new Map<string, number>();
  for (const { server, endpoint } of runs) {
    ctx.progress(
      `  ${server.name} ${endpoint.method} ${endpoint.path}: ${connections} connections, ${duration} s …`,
    );
    const result = await loadRun(server.url, endpoint, connections, duration);
    const key = `load.${server.name}.${keyOf(endpoint.name)}`;
    const label = `${server.name} ${endpoint.method} ${endpoint.path}`;
    if (endpoint === page) rates.set(server.name, result.rps);
    ctx.results.add({
      key: `${key}.rps`,
      label: `${label}  requests/s`,
      value: result.rps,
      unit: 'req/s',
      better: 'higher',
    });
    for (const p of ['p50', 'p95', 'p99'] as const) {
      ctx.results.add({
        key: `${key}.${p}`,
        label: `${label}  ${p}`,
        value: result[p],
        unit: 'ms',
        better: 'lower',
      });
    }
    ctx.results.add({
      key: `${key}.errors`,
      label: `${label}  errors`,
      value: result.errors,
      unit: 'count',
      better: 'lower',
    });
  }
  const ours = rates.get(ctx.subject.name) ?? Number.NaN;
  for (const [peer, rate] of rates) {
    if (peer === ctx.subject.name) continue;
    ctx.results.add({
      key: `load.ratio.${peer}`,
      label: `${ctx.subject.name} / ${peer}  requests/s on /`,
      value: ours / rate,
      unit: '×',
      better: 'higher',
      ...(peer === 'workerd-htmlrewriter' ? { bar: { op: '>=' as const, value: 2 } } : {}),
    });
  }
}
