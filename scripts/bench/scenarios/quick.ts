/**
 * `--quick`: a smoke run — every endpoint once (each must answer below 400) and a short load run
 * on the publisher page (at most 4 connections for at most 2 s).
 */
import { endpointsFor, keyOf, type BenchContext } from '../context.ts';
import { timedRequest } from '../http-timing.ts';
import { load } from './load.ts';

export async function quick(ctx: BenchContext): Promise<void> {
  for (const endpoint of endpointsFor(ctx.options.acceptEncoding)) {
    const timing = await timedRequest(new URL(endpoint.path, ctx.subject.url), {
      method: endpoint.method,
      headers: endpoint.headers,
      body: endpoint.body,
    });
    if (timing.status >= 400)
      throw new Error(`${endpoint.method} ${endpoint.path} answered ${timing.status}`);
    ctx.progress(
      `  ${endpoint.method} ${endpoint.path}: ${timing.status}, ${timing.totalMs.toFixed(1)} ms`,
    );
    ctx.results.add({
      key: `quick.${keyOf(endpoint.name)}.total`,
      label: `${endpoint.method} ${endpoint.path}  total (one request)`,
      value: timing.totalMs,
      unit: 'ms',
      better: 'lower',
    });
  }
  await load(ctx, {
    connections: Math.min(4, ctx.options.connections),
    duration: Math.min(2, ctx.options.duration),
  });
}
