/**
 * One load run with autocannon, after a short discarded warm-up at the same concurrency.
 * Latency percentiles are computed here from every response time, because autocannon's own
 * summary has no p95.
 */
import autocannon from 'autocannon';
import { threadCpu, type ThreadCpu } from '../profile/threads.ts';
import type { Endpoint } from './context.ts';

export interface LoadResult {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Non-2xx answers, socket errors and timeouts. */
  errors: number;
  /** Median bytes on the wire per response (headers and body as sent: compressed). */
  bytes: number;
  /**
   * The server process's CPU per request (all threads, from /proc), and its main thread's: a
   * measure a noisy shared machine disturbs far less than requests/s. NaN without a local pid.
   */
  cpuMs: number;
  mainCpuMs: number;
}

function cpuTotals(threads: ThreadCpu[], pid: number): { all: number; main: number } {
  let all = 0;
  let main = 0;
  for (const thread of threads) {
    all += thread.cpuMs;
    if (thread.tid === pid) main += thread.cpuMs;
  }
  return { all, main };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function loadRun(
  base: URL,
  endpoint: Endpoint,
  connections: number,
  durationS: number,
  pid?: number,
): Promise<LoadResult> {
  const options = {
    url: new URL(endpoint.path, base).href,
    method: endpoint.method,
    headers: endpoint.headers,
    ...(endpoint.body === undefined ? {} : { body: endpoint.body }),
    connections,
  };
  await autocannon({ ...options, duration: Math.min(1, durationS) });
  const latencies: number[] = [];
  const sizes: number[] = [];
  let seconds = 0;
  const cpuBefore = pid === undefined ? undefined : cpuTotals(threadCpu(pid), pid);
  const result = await autocannon({ ...options, duration: durationS })
    .on('response', (_client, _status, bytes, ms) => {
      latencies.push(ms);
      sizes.push(bytes);
    })
    .on('tick', ({ counter }) => {
      // A live line on a terminal, so a long run visibly progresses; logs stay clean.
      seconds++;
      if (process.stderr.isTTY) {
        process.stderr.write(
          `\r    ${seconds}/${durationS} s, ${counter} requests in the last second `,
        );
      }
    });
  if (process.stderr.isTTY && seconds > 0) process.stderr.write('\n');
  // Threads that ended during the run drop out of the sum; a server's threads live as long as it.
  const cpuAfter = pid === undefined ? undefined : cpuTotals(threadCpu(pid), pid);
  const requests = result.requests.total || Number.NaN;
  const sorted = Float64Array.from(latencies).sort();
  return {
    rps: result.requests.total / (result.duration || durationS),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    errors: result.non2xx + result.errors + result.timeouts,
    bytes: percentile(Float64Array.from(sizes).sort(), 50),
    cpuMs: cpuBefore && cpuAfter ? (cpuAfter.all - cpuBefore.all) / requests : Number.NaN,
    mainCpuMs: cpuBefore && cpuAfter ? (cpuAfter.main - cpuBefore.main) / requests : Number.NaN,
  };
}
