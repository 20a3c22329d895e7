/**
 * `--memory`: a 50 MB HTML page through the warmed-up proxy; how much its resident set grows
 * (sampled every 10 ms from /proc). Streaming keeps this near the chunk size, not the page size
 * (bar < 32 MB).
 */
import http from 'node:http';
import type { BenchContext } from '../context.ts';
import { rssBytes } from '../processes.ts';
import { median } from '../results.ts';

function getAll(url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** One pass of the 50 MB page: the RSS rise over the baseline taken just before it. */
async function bigPageRise(pid: number, base: URL): Promise<{ baseline: number; peak: number }> {
  const baseline = rssBytes(pid);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 10);
  let bytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      http
        .get(new URL('/big', base), (res) => {
          res.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
          res.on('end', resolve);
          res.on('error', reject);
        })
        .on('error', reject);
    });
  } finally {
    clearInterval(sampler);
  }
  // URLs are rewritten (lengths change), so only a gross shortfall says the page was cut short.
  if (bytes < 40 * 1024 * 1024) {
    throw new Error(`the 50 MB page came back with only ${bytes} bytes`);
  }
  return { baseline, peak };
}

export async function memory(ctx: BenchContext): Promise<void> {
  const pid = ctx.subject.pid;
  if (pid === undefined) return;
  // A production server is warm: its heap has grown to its working size on ordinary pages. On a
  // cold process that growth (~20 MB here, Next.js on or off) would be counted as the big page's.
  for (let i = 0; i < 20; i++) await getAll(new URL('/', ctx.subject.url));
  // Where V8 happens to collect garbage moves a single reading by ±15 MB: the median of three
  // passes, each after a short idle pause (when V8 tends to collect).
  const rises: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { baseline, peak } = await bigPageRise(pid, ctx.subject.url);
    rises.push((peak - baseline) / 2 ** 20);
    ctx.progress(
      `  50 MB page, pass ${pass + 1}: RSS ${(baseline / 2 ** 20).toFixed(1)} → ${(peak / 2 ** 20).toFixed(1)} MB`,
    );
  }
  ctx.results.add({
    key: 'memory.rss-rise-50mb',
    label: 'RSS rise for a 50 MB HTML page (median of 3)',
    value: median(rises),
    unit: 'MB',
    better: 'lower',
    bar: { op: '<', value: 32 },
  });
}
