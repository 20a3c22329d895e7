/**
 * The Worker: embedded settings + Worker secrets → one core app per isolate, built on the first
 * request (secrets live in `env`, which only requests see) and reused for every later one.
 */
import { createApp, type App } from '../core/app.ts';
import { TsError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { serveSafely } from '../core/serve-safely.ts';
import { placeholderSecretKeys } from '../core/settings/placeholders.ts';
import { reviveSettings, type EmbeddedConfig } from './embedded-settings.ts';
import type { ExecutionContext, WorkerEnv } from './runtime.ts';
import { consoleSink, requestContexts, workersRequestId, workersServices } from './services.ts';

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

export function createWorker(embedded: EmbeddedConfig, options: WorkerOptions = {}): WorkerHandler {
  let app: App | undefined;
  const bootLog = options.bootLog ?? createLogger({ level: 'info', sink: consoleSink });

  const appFor = (env: WorkerEnv): App => {
    if (app) return app;
    const settings = reviveSettings(embedded, env);
    const services = workersServices(settings, env);
    const placeholders = placeholderSecretKeys(settings);
    if (placeholders.length > 0) {
      if (!embedded.dev) {
        throw new TsError(
          'configuration',
          `refusing to serve: placeholder secrets in ${placeholders.join(', ')} (set real Worker secrets)`,
        );
      }
      services.log.warn(
        `!!! DEVELOPMENT BUILD: placeholder secrets in ${placeholders.join(', ')}. Never deploy this. !!!`,
      );
    }
    app = createApp(settings, services);
    return app;
  };

  return {
    fetch: (request, env, ctx) => {
      requestContexts.set(request, ctx);
      return serveSafely(request, {
        appFor: () => appFor(env),
        log: bootLog,
        requestId: workersRequestId(request),
      });
    },
  };
}
