import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tuneGarbageCollector } from '../src/node/gc-tuning.ts';

const GC_TUNING = fileURLToPath(new URL('../src/node/gc-tuning.ts', import.meta.url));

/**
 * A child process that churns through 1 GB of short-lived ArrayBuffers (what a proxy's socket
 * reads and zlib output are) with little JavaScript garbage, and prints how many mark-compacts V8
 * ran meanwhile.
 */
const CHURN = `
import { PerformanceObserver, constants } from 'node:perf_hooks';
if (process.argv[1] === 'tuned') (await import(${JSON.stringify(GC_TUNING)})).tuneGarbageCollector();
let majors = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
});
observer.observe({ entryTypes: ['gc'] });
const live = [];
for (let i = 0; i < 4096; i++) {
  const buffer = new Uint8Array(256 * 1024);
  buffer[i % buffer.length] = 1;
  live.push(buffer);
  if (live.length > 8) live.shift();
  if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
}
await new Promise((resolve) => setTimeout(resolve, 50));
observer.disconnect();
console.log(majors);
`;

function majorGcs(mode: 'default' | 'tuned'): number {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHURN, mode], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}

describe('garbage collector tuning (Node adapter)', () => {
  it('short-lived external buffers no longer force a mark-compact every 64 MB', () => {
    const before = majorGcs('default');
    const after = majorGcs('tuned');
    // 1 GB of buffers: V8's default policy runs ~16 mark-compacts (one per 64 MB of external
    // growth); with external memory in the global limit, scavenges free them (0–1 on a quiet
    // machine; 4 against 12 once on a machine loaded ~4× its cores, hence the margin).
    assert.ok(before >= 8, `expected the default policy to mark-compact repeatedly, saw ${before}`);
    assert.ok(after * 2 <= before, `tuned: ${after} mark-compacts against ${before} by default`);
  });

  it('leaves the option alone when the operator set it either way', () => {
    assert.equal(tuneGarbageCollector(['--no-external-memory-accounted-in-global-limit']), false);
    assert.equal(tuneGarbageCollector(['--external_memory_accounted_in_global_limit']), false);
  });
});
