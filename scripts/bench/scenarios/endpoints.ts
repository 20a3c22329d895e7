/**
 * `--endpoints`: per endpoint, the phases of a request on a fresh connection (DNS, connect, TLS,
 * TTFB, total; each from the request's start), median of `--runs` after one warm-up.
 */
import { endpointsFor, keyOf, type BenchContext } from '../context.ts';
import { timedRequest, type Timing } from '../http-timing.ts';
import { median } from '../results.ts';

const PHASES = [
  ['dnsMs', 'DNS'],
  ['connectMs', 'connect'],
  ['tlsMs', 'TLS'],
  ['ttfbMs', 'TTFB'],
  ['totalMs', 'total'],
] as const;

export async function endpoints(ctx: BenchContext): Promise<void> {
  const tls = ctx.subject.url.protocol === 'https:';
  for (const endpoint of endpointsFor(ctx.options.acceptEncoding)) {
    const url = new URL(endpoint.path, ctx.subject.url);
    const spec = { method: endpoint.method, headers: endpoint.headers, body: endpoint.body };
    const warm = await timedRequest(url, spec);
    if (warm.status >= 400)
      throw new Error(`${endpoint.method} ${endpoint.path} answered ${warm.status}`);
    const timings: Timing[] = [];
    for (let i = 0; i < ctx.options.runs; i++) timings.push(await timedRequest(url, spec));
    ctx.progress(`  ${endpoint.name}: ${ctx.options.runs} requests`);
    for (const [field, phase] of PHASES) {
      if (field === 'tlsMs' && !tls) continue;
      ctx.results.add({
        key: `endpoints.${keyOf(endpoint.name)}.${phase.toLowerCase()}`,
        label: `${endpoint.method} ${endpoint.path}  ${phase}`,
        value: median(timings.map((timing) => timing[field])),
        unit: 'ms',
        better: 'lower',
      });
    }
  }
}
