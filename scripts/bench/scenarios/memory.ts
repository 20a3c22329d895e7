/**
 * `--memory`: a 50 MB HTML page through the warmed-up proxy; how much its resident set grows
 * (sampled every 10 ms from /proc). Streaming keeps this near the chunk size, not the page size
 * (bar < 32 MB).
 */
import http from 'node:http';
import type { BenchContext } from '../context.ts';
import { rssBytes } from '../processes.ts';

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

export async function memory(ctx: BenchContext): Promise<void> {
  const pid = ctx.subject.pid;
  if (pid === undefined) return;
  // A production server is warm: its heap has grown to its working size on ordinary pages. On a
  // cold process that growth (~20 MB here, Next.js on or off) would be counted as the big page's.
  for (let i = 0; i < 20; i++) await getAll(new URL('/', ctx.subject.url));
  const baseline = rssBytes(pid);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 10);
  let bytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      http
        .get(new URL('/big', ctx.subject.url), (res) => {
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
  ctx.progress(
    `  50 MB page: RSS ${(baseline / 2 ** 20).toFixed(1)} → ${(peak / 2 ** 20).toFixed(1)} MB`,
  );
  ctx.results.add({
    key: 'memory.rss-rise-50mb',
    label: 'RSS rise for a 50 MB HTML page',
    value: (peak - baseline) / 2 ** 20,
    unit: 'MB',
    better: 'lower',
    bar: { op: '<', value: 32 },
  });
}
