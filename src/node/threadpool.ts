/**
 * Sizing libuv's threadpool, where node:zlib compresses and decompresses (and dns.lookup and fs
 * run). libuv starts 4 threads by default, whatever the machine. On the 2-core machine this
 * project is benchmarked on, 4 busy zlib threads beside the JavaScript thread oversubscribe the
 * CPU: every hand-off to the pool wakes a thread that preempts the JavaScript thread, which then
 * sat in zlib's `write` for ~1 s of every 5 s of a proxy load (`npm run profile`), and the
 * publisher page's throughput was ~100 req/s with 4 threads against ~140 with 2.
 *
 * So each server process gets one pool thread per core of its share of the machine (at least
 * one). libuv reads the size when the pool first starts, so this must run before any
 * asynchronous fs, dns or zlib call; an explicit `UV_THREADPOOL_SIZE` is left alone.
 */
import { availableParallelism } from 'node:os';

/** Sets the pool size for this process unless the environment already does; returns it. */
export function sizeThreadpool(workers: number, env: NodeJS.ProcessEnv = process.env): number {
  const explicit = Number(env.UV_THREADPOOL_SIZE);
  if (env.UV_THREADPOOL_SIZE !== undefined && Number.isInteger(explicit) && explicit > 0) {
    return explicit;
  }
  const size = Math.max(1, Math.floor(availableParallelism() / Math.max(1, workers)));
  env.UV_THREADPOOL_SIZE = String(size);
  return size;
}
