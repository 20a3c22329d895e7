/**
 * `--ttfb`: sequential `GET /` on fresh connections against a server that has served nothing yet,
 * so the first request shows the cold-start cost (JIT, lazy initialisation, origin connection) and
 * the rest the steady state. With `--target` the instance is whatever state it is in.
 */
import type { BenchContext } from '../context.ts';
import { timedRequest } from '../http-timing.ts';
import { median } from '../results.ts';

export async function ttfb(ctx: BenchContext): Promise<void> {
  const fresh = ctx.freshServer ? await ctx.freshServer('/health') : undefined;
  const base = fresh?.url ?? ctx.subject.url;
  const times: number[] = [];
  const totals: number[] = [];
  try {
    for (let i = 0; i < ctx.options.requests; i++) {
      const timing = await timedRequest(new URL('/', base), {
        headers: { 'accept-encoding': 'gzip' },
      });
      if (timing.status !== 200) throw new Error(`GET / answered ${timing.status}`);
      times.push(timing.ttfbMs);
      totals.push(timing.totalMs);
      ctx.progress(
        `  request ${String(i + 1).padStart(2)}/${ctx.options.requests}  TTFB ${timing.ttfbMs.toFixed(2)} ms  total ${timing.totalMs.toFixed(2)} ms`,
      );
    }
  } finally {
    await fresh?.stop();
  }
  const first = times[0] ?? Number.NaN;
  const rest = median(times.slice(1));
  const add = (key: string, label: string, value: number, unit: 'ms' | '×') =>
    ctx.results.add({ key: `ttfb.${key}`, label, value, unit, better: 'lower' });
  add('first', 'TTFB, first request', first, 'ms');
  add('rest', 'TTFB, median of the rest', rest, 'ms');
  add('total-rest', 'total, median of the rest', median(totals.slice(1)), 'ms');
  if (times.length > 1)
    add('first-over-rest', 'first / rest (cold-start pattern)', first / rest, '×');
}
