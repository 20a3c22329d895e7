/**
 * Loaded into the server under test with `node --import` by `npm run soak` (never by the server
 * itself): appends `process.memoryUsage()` as a JSON line to `$SOAK_MEMORY_FILE` every second,
 * and on SIGUSR2 runs a full garbage collection and appends a line marked `"gc": true`.
 * Without the variable it does nothing. Synchronous appends of ~150 bytes a second do not touch
 * libuv's threadpool, where the server's zlib work runs.
 */
import { appendFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

const file = process.env.SOAK_MEMORY_FILE;

if (file) {
  // `gc()` without starting the server with --expose-gc: the flag applies to contexts made after it.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const sample = (gcRun: boolean) => {
    const m = process.memoryUsage();
    const line = {
      t: Date.now(),
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      ...(gcRun ? { gc: true } : {}),
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  sample(false);
  setInterval(() => sample(false), 1000).unref();
  process.on('SIGUSR2', () => {
    gc();
    sample(true);
  });
}
