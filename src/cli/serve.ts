/**
 * `trusted-server serve --config FILE [--host] [--port] [--workers N] [--dev] [--tls-cert --tls-key]`
 */
import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { resolveBotGate } from '../core/identity/bot-gate.ts';
import type { Logger } from '../core/log.ts';
import { placeholderPolicy } from '../core/settings/placeholder-policy.ts';
import { secretValues } from '../core/settings/placeholders.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import { createConsoleLogger } from '../node/console-log.ts';
import { NODE_JA4_SUPPORT } from '../node/services.ts';
import { startNodeServer, type RunningServer } from '../node/server.ts';
import { tuneGarbageCollector } from '../node/gc-tuning.ts';
import { applyMemoryTuning, MemoryTuningError, memorySettings } from '../node/memory-tuning.ts';
import { openStore } from '../node/stores/open-store.ts';
import { StoreOpenError } from '../node/stores/store-open-error.ts';
import { sizeThreadpool } from '../node/threadpool.ts';
import { loadConfigFile } from './load-config-file.ts';
import { UsageError } from './usage.ts';

export interface ServeOptions {
  config: string;
  host: string;
  port: number;
  workers: number;
  dev: boolean;
  tlsCert?: string;
  tlsKey?: string;
}

/** Refuses sample secrets outside `--dev`; in dev, says so loudly. Returns false to refuse. */
export function checkPlaceholders(settings: Settings, dev: boolean, log: Logger): boolean {
  const policy = placeholderPolicy(settings, dev);
  if (policy.verdict === 'refused') log.error(`refusing to start: ${policy.message}`);
  if (policy.verdict === 'allowed') log.warn(policy.message);
  return policy.verdict !== 'refused';
}

/**
 * `ec.bot_gate = "ja4"` can never pass on Node (no JA4 here): refused before any worker starts,
 * with the one line that says what to write instead. Returns false to refuse.
 */
export function checkBotGate(settings: Settings, log: Logger): boolean {
  try {
    resolveBotGate(settings.ec.bot_gate, NODE_JA4_SUPPORT);
    return true;
  } catch (error) {
    log.error(`refusing to start: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

export async function serve(options: ServeOptions): Promise<number> {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new UsageError('--tls-cert and --tls-key must be given together', 'serve');
  }
  // First: this may re-execute the process with start-up memory settings (same PID).
  try {
    applyMemoryTuning();
  } catch (error) {
    if (error instanceof MemoryTuningError) throw new UsageError(error.message, 'serve');
    throw error;
  }
  // Before the first asynchronous fs call (reading the config): libuv sizes its pool then.
  sizeThreadpool(options.workers);
  tuneGarbageCollector();
  const warnings: string[] = [];
  const settings = await loadConfigFile(options.config, process.env, (warning) =>
    warnings.push(warning),
  );
  const log = createConsoleLogger(settings.logging.level, secretValues(settings));
  if (cluster.isPrimary) {
    for (const warning of warnings) log.warn(`configuration: ${warning}`);
    if (!checkPlaceholders(settings, options.dev, log)) return 1;
    if (!checkBotGate(settings, log)) return 1;
  }

  if (options.workers > 1 && cluster.isPrimary) {
    // The primary opens the store once before forking, so a bad `[store]` stops `serve` with one
    // message instead of workers that fail and are replaced forever.
    if (!(await storeOpens(settings, log))) return 1;
    return runPrimary(options.workers, log);
  }

  const tls =
    options.tlsCert !== undefined && options.tlsKey !== undefined
      ? { cert: await readFile(options.tlsCert), key: await readFile(options.tlsKey) }
      : undefined;
  let running: RunningServer;
  try {
    // It opens the store before it listens (and closes it again if it cannot listen).
    running = await startNodeServer({
      settings,
      log,
      host: options.host,
      port: options.port,
      ...(tls ? { tls } : {}),
    });
  } catch (error) {
    if (!(error instanceof StoreOpenError)) throw error;
    log.error(`refusing to start: ${error.message}`);
    return 1;
  }
  // Handlers first, so a signal right after the "listening" line is still a graceful stop.
  const stopped = untilSignal(running, log);
  log.info('trusted-server listening', {
    url: running.url,
    origin: settings.publisher.origin_url,
    pid: process.pid,
    store: running.store,
    ...memorySettings(),
  });
  await stopped;
  return 0;
}

async function storeOpens(settings: Settings, log: Logger): Promise<boolean> {
  try {
    await (await openStore(settings.store, log)).close();
    return true;
  } catch (error) {
    if (!(error instanceof StoreOpenError)) throw error;
    log.error(`refusing to start: ${error.message}`);
    return false;
  }
}

/**
 * Waits for SIGTERM/SIGINT, then shuts down gracefully. A second signal forces an exit, except in
 * cluster workers, where the primary forwards the terminal's SIGINT as a SIGTERM too.
 */
export async function untilSignal(running: RunningServer, log: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        if (cluster.isWorker) return;
        log.warn('second signal: exiting without waiting for in-flight requests', { signal });
        process.exit(1);
      }
      stopping = true;
      log.info('shutting down', { signal, pid: process.pid });
      running.close().then(resolve, (error: unknown) => {
        log.error('shutdown failed', { error: String(error) });
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  // A worker's IPC channel would keep it alive after its server has closed.
  if (cluster.isWorker) cluster.worker?.disconnect();
}

/** N worker processes share the listening port (the cluster module distributes connections). */
async function runPrimary(workers: number, log: Logger): Promise<number> {
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error('worker exited unexpectedly; replacing it', {
      pid: worker.process.pid ?? null,
      code,
      signal,
    });
    cluster.fork();
  });
  await new Promise<void>((resolve) => {
    const stop = () => {
      if (stopping) return;
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      const check = setInterval(() => {
        if (Object.keys(cluster.workers ?? {}).length === 0) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  return 0;
}
