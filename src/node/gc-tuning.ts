/**
 * V8's garbage collector, set up for a proxy whose garbage is mostly ArrayBuffers.
 *
 * Every page through the publisher proxy allocates ~2–3 MB of buffers outside the JavaScript heap
 * (socket reads, zlib output, rewritten pieces) and comparatively little inside it. By default V8
 * starts a full mark-compact whenever that external memory has grown by 64 MB since the last one,
 * however small the heap: on the fixture page under load that was a mark-compact every ~14
 * requests, ~2.5 ms of helper-thread CPU per request for marking a heap that was mostly alive.
 * With external memory counted in V8's global heap limit instead (a V8 option that Chromium is
 * rolling out), the heap's own growth heuristics decide: 0.6 instead of 8 mark-compacts per 100
 * requests, the buffers' wrappers freed by scavenges, ~2 ms less CPU per page (`--trace-gc`
 * numbers in docs/performance.md). External memory stays bounded: it is part of the one limit
 * that bounds the heap.
 *
 * The option is read whenever V8 checks its limits, so setting it at start-up, before the server
 * allocates, takes effect (test/node-gc-tuning.test.ts counts the mark-compacts both ways).
 */
import v8 from 'node:v8';

const GC_FLAG = 'external-memory-accounted-in-global-limit';

/**
 * Turns the option on for this process, unless the operator named it on the command line either
 * way (`node --no-external-memory-accounted-in-global-limit …`). Returns whether it did.
 */
export function tuneGarbageCollector(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => arg.replaceAll('_', '-').endsWith(GC_FLAG))) return false;
  v8.setFlagsFromString(`--${GC_FLAG}`);
  return true;
}
