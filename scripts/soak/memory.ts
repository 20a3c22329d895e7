/**
 * The server's memory as the soak samples it: resident set size from /proc (what the machine
 * pays), and the JavaScript heap, external and ArrayBuffer memory as the server itself reports
 * them (preload.ts writes `process.memoryUsage()` lines to a file; this reads the newest).
 */
import { readFileSync } from 'node:fs';
import { rssBytes } from '../bench/processes.ts';

export interface MemoryReading {
  /** VmRSS from /proc/PID/status, bytes. */
  rss: number;
  /** From the server's newest `process.memoryUsage()` line, bytes (NaN before the first). */
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** The newest line came from a forced GC. */
  gc: boolean;
}

interface UsageLine {
  t: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  gc?: boolean;
}

/** The newest complete line of the preload's file, if any. */
function newestUsage(file: string): UsageLine | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const end = text.lastIndexOf('\n');
  if (end < 0) return undefined;
  const start = text.lastIndexOf('\n', end - 1) + 1;
  try {
    return JSON.parse(text.slice(start, end)) as UsageLine;
  } catch {
    return undefined;
  }
}

/**
 * The reading a forced GC wrote, if one was written after the first `after` lines: looked for among
 * all the new lines, not only the newest, since the preload's per-second line may follow it
 * before a busy harness looks.
 */
export function forcedGcReading(
  pid: number,
  usageFile: string,
  after: number,
): MemoryReading | undefined {
  let lines: string[];
  try {
    lines = readFileSync(usageFile, 'utf8').split('\n').slice(after, -1);
  } catch {
    return undefined;
  }
  for (const line of lines) {
    let usage: UsageLine;
    try {
      usage = JSON.parse(line) as UsageLine;
    } catch {
      continue;
    }
    if (usage.gc === true) return readingOf(pid, usage);
  }
  return undefined;
}

export function readMemory(pid: number, usageFile: string): MemoryReading {
  return readingOf(pid, newestUsage(usageFile));
}

function readingOf(pid: number, usage: UsageLine | undefined): MemoryReading {
  return {
    rss: rssBytes(pid),
    heapUsed: usage?.heapUsed ?? Number.NaN,
    heapTotal: usage?.heapTotal ?? Number.NaN,
    external: usage?.external ?? Number.NaN,
    arrayBuffers: usage?.arrayBuffers ?? Number.NaN,
    gc: usage?.gc === true,
  };
}

/** Count of preload lines so far (to wait for the one a forced GC writes). */
export function usageLines(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}
