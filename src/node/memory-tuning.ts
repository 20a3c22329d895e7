/**
 * Memory settings an operator can have `serve` apply to itself: they only take effect when a
 * process starts, so it re-executes itself once (`process.execve`: same PID, same arguments and
 * file descriptors, so a process manager sees nothing) with them added.
 *
 * Why (`npm run soak`, docs/performance.md "Memory under sustained load"): at 64 connections on the
 * fixture page the server's RSS rose to ~1.1 GB and stayed there idle, while its JS heap was ~16 MB
 * after a GC. Besides the number of pages worked on at once (now bounded by work-permits.ts), two
 * causes, one setting each:
 *
 * - **V8 lets dead buffers pile up.** It sizes the young generation at 2 × 64 MiB semi-spaces on a
 *   24 GiB machine, and with external memory counted in its heap limits (gc-tuning.ts) dead
 *   ArrayBuffers wait for a mark-compact: up to ~590 MB of them. `--max-semi-space-size=16`
 *   scavenges 4× as often, freeing most buffers young; `--heap-growing-percent=50` bounds the ones
 *   that reach the old generation (its limits grow 1.5× after a full GC instead of up to 4×).
 * - **glibc's malloc keeps what is freed.** ~1.2 MB of buffers per page (decoder output, socket
 *   reads, encoder output) are malloc'd and freed on three threads; glibc's arenas return memory
 *   only at their top and its mmap threshold rises to the largest block freed, so RSS follows the
 *   highest peak and never comes down (`malloc_trim` in an idle server: 806 → 118 MB). jemalloc
 *   returns freed pages on its own (a background thread, after `dirty_decay_ms`): when it is
 *   installed (Debian/Ubuntu `libjemalloc2`, Fedora `jemalloc`) the server preloads it.
 *
 * With the page permits (work-permits.ts: ~450 MB under that load without these settings) they
 * bound RSS at ~220 MB and give part of it back when idle, for ~20–25 % more CPU per page; hence
 * opt-in: `TRUSTED_SERVER_MEMORY_TUNING=on` (both), `=v8` (the V8 flags only), `=off` (the default). An operator's own settings win: a V8 flag
 * already on the command line is not added, and an `LD_PRELOAD` or `MALLOC_CONF` already in the
 * environment is left as it is.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Set in the re-executed process's environment, so it does not re-execute again. */
const MARKER = 'TRUSTED_SERVER_MEMORY_TUNED';
export const MODE_VARIABLE = 'TRUSTED_SERVER_MEMORY_TUNING';
const MODES = ['on', 'v8', 'off'] as const;
type Mode = (typeof MODES)[number];

export const V8_MEMORY_FLAGS = ['--max-semi-space-size=16', '--heap-growing-percent=50'] as const;

/**
 * jemalloc's settings: purge freed pages from a background thread (an idle server gives memory
 * back too, where decay otherwise waits for the next allocation), dirty pages after 1 s (0 cost
 * ~14 % of requests/s under load for ~100 MB less RSS), no lazily-freed middle stage.
 */
export const JEMALLOC_CONF = 'background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0';

/**
 * Where glibc distributions install jemalloc's shared library (Debian/Ubuntu multiarch, then
 * Fedora/RHEL). Alpine's musl build lives elsewhere and is not preloaded into a glibc Node.
 */
const JEMALLOC_PATHS = [
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
  '/usr/lib64/libjemalloc.so.2',
] as const;

/** The jemalloc library to preload on this machine, if there is one. */
export function findJemalloc(
  platform: NodeJS.Platform = process.platform,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  if (platform !== 'linux') return undefined;
  return JEMALLOC_PATHS.find((path) => exists(path));
}

export class MemoryTuningError extends Error {}

function modeOf(env: NodeJS.ProcessEnv): Mode {
  const raw = env[MODE_VARIABLE];
  if (raw === undefined || raw === '') return 'off';
  const mode = MODES.find((candidate) => candidate === raw.trim().toLowerCase());
  if (mode === undefined) {
    throw new MemoryTuningError(`${MODE_VARIABLE} must be one of on, v8, off; got "${raw}"`);
  }
  return mode;
}

export interface Relaunch {
  execArgv: string[];
  env: NodeJS.ProcessEnv;
}

const flagName = (arg: string) => arg.split('=')[0]?.replaceAll('_', '-') ?? arg;

/**
 * What to re-execute with, or undefined when nothing is to change. The file system is looked at
 * (`findAllocator`) only when jemalloc could be preloaded: with the default `off`, never.
 */
export function memoryRelaunch(
  execArgv: readonly string[],
  env: NodeJS.ProcessEnv,
  findAllocator: () => string | undefined = findJemalloc,
): Relaunch | undefined {
  const mode = modeOf(env);
  if (env[MARKER] !== undefined || mode === 'off') return undefined;
  const named = new Set(execArgv.map(flagName));
  const flags = V8_MEMORY_FLAGS.filter((flag) => !named.has(flagName(flag)));
  const jemalloc = mode === 'on' && !env.LD_PRELOAD ? findAllocator() : undefined;
  if (flags.length === 0 && jemalloc === undefined) return undefined;
  const relaunched: NodeJS.ProcessEnv = { ...env, [MARKER]: '1' };
  if (jemalloc !== undefined) {
    relaunched.LD_PRELOAD = jemalloc;
    relaunched.MALLOC_CONF ??= JEMALLOC_CONF;
  }
  return { execArgv: [...execArgv, ...flags], env: relaunched };
}

/**
 * Re-executes this process with the memory settings when they are missing (it does not return
 * then); does nothing unless asked to, where `process.execve` does not exist (Windows), or when
 * nothing is to change.
 * Throws {@link MemoryTuningError} for a mode it does not know.
 */
export function applyMemoryTuning(): void {
  const relaunch = memoryRelaunch(process.execArgv, process.env);
  if (!relaunch || typeof process.execve !== 'function') return;
  process.execve(
    process.execPath,
    [process.execPath, ...relaunch.execArgv, ...process.argv.slice(1)],
    relaunch.env,
  );
}

/** What is in effect in this process, for the start-up log line. */
export function memorySettings(): { allocator: string; v8Flags: string } {
  let allocator = 'system';
  try {
    if (/\/libjemalloc[^/\n]*\.so/.test(readFileSync('/proc/self/maps', 'utf8'))) {
      allocator = 'jemalloc';
    }
  } catch {
    // No /proc (not Linux): the system allocator, as nothing is preloaded there.
  }
  const tuned = new Set(V8_MEMORY_FLAGS.map(flagName));
  const v8Flags = process.execArgv.filter((arg) => tuned.has(flagName(arg)));
  return { allocator, v8Flags: v8Flags.join(' ') };
}
