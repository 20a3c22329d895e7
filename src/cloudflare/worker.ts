/**
 * The Worker: embedded settings + Worker secrets → one core app per isolate, built on the first
 * request (secrets live in `env`, which only requests see) and reused for every later one. No TTL:
 * secrets and vars change only with a new deployment, which starts new isolates.
 */
import { createApp, type App } from '../core/app.ts';
import { consoleSink, createLogger, type Logger } from '../core/log.ts';
import { serveSafely } from '../core/serve-safely.ts';
import { createAppCache } from '../edge/app-cache.ts';
import { reviveSettings } from '../edge/revive-settings.ts';
import { workerSecrets, type WorkerEmbeddedSettings } from './embedded-settings.ts';
import type { ExecutionContext, WorkerEnv } from './runtime.ts';
import { requestContexts, workersRequestId, workersServices } from './services.ts';

export interface WorkerHandler {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response>;
}

export interface WorkerOptions {
  /**
   * Where failures to build the app are logged (it has no configured logger yet): the console by
   * default. Those lines name keys and secret slots, never values.
   */
  bootLog?: Logger;
}

export function createWorker(
  embedded: WorkerEmbeddedSettings,
  options: WorkerOptions = {},
): WorkerHandler {
  const bootLog = options.bootLog ?? createLogger({ level: 'info', sink: consoleSink });
  const apps = createAppCache((env: WorkerEnv): App => {
    const { settings, warning } = reviveSettings(embedded, workerSecrets(env));
    const services = workersServices(settings, env);
    if (warning !== undefined) services.log.warn(warning);
    return createApp(settings, services);
  });

  return {
    fetch: (request, env, ctx) => {
      requestContexts.set(request, ctx);
      return serveSafely(request, {
        appFor: () => apps.get(env),
        log: bootLog,
        requestId: workersRequestId,
      });
    },
  };
}
