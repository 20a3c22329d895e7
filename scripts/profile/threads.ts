/**
 * CPU time per thread of a process, from /proc (Linux). The V8 profiler samples only the main
 * thread; zlib runs on libuv's thread pool and GC/JIT partly on V8's helper threads, so the
 * difference between these readings before and after the run is where that time shows.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second (USER_HZ); 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

export interface ThreadCpu {
  tid: number;
  name: string;
  cpuMs: number;
}

export function threadCpu(pid: number): ThreadCpu[] {
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return [];
  const threads: ThreadCpu[] = [];
  for (const entry of readdirSync(dir)) {
    try {
      const stat = readFileSync(`${dir}/${entry}/stat`, 'utf8');
      // Fields after the parenthesised name: state is field 3, utime 14 and stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      const name = readFileSync(`${dir}/${entry}/comm`, 'utf8').trim();
      threads.push({ tid: Number(entry), name, cpuMs: (ticks * 1000) / TICKS_PER_SECOND });
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return threads;
}

/** CPU ms used between two readings, summed by thread kind (main thread kept apart). */
export function cpuSince(
  before: ThreadCpu[],
  after: ThreadCpu[],
  pid: number,
): Map<string, number> {
  const earlier = new Map(before.map((thread) => [thread.tid, thread.cpuMs]));
  const byKind = new Map<string, number>();
  for (const thread of after) {
    const used = thread.cpuMs - (earlier.get(thread.tid) ?? 0);
    if (used <= 0) continue;
    const kind =
      thread.tid === pid
        ? 'main thread (JavaScript)'
        : thread.name.replace(/\d+$/, '').trim() || 'unnamed';
    byKind.set(kind, (byKind.get(kind) ?? 0) + used);
  }
  return byKind;
}
