/**
 * The Worker: embedded settings + Worker secrets → one core app per isolate, built on the first
 * request (secrets live in `env`, which only requests see) and reused for every later one.
 */
import { createApp, type App } from '../core/app.ts';
import { errorResponse, TsError } from '../core/errors.ts';
import { placeholderSecretKeys } from '../core/settings/placeholders.ts';
import { reviveSettings, type EmbeddedConfig } from './embedded-settings.ts';
import type { ExecutionContext, WorkerEnv } from './runtime.ts';
import { requestContexts, workersServices } from './services.ts';

export interface WorkerHandler {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response>;
}

export function createWorker(embedded: EmbeddedConfig): WorkerHandler {
  let app: App | undefined;

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
    async fetch(request, env, ctx) {
      requestContexts.set(request, ctx);
      let handler: App;
      try {
        handler = appFor(env);
      } catch (error) {
        // Names of missing secrets and keys only, never values; the client sees a generic 500.
        console.error(
          JSON.stringify({
            time: new Date().toISOString(),
            level: 'error',
            msg: error instanceof Error ? error.message : String(error),
            code: 'configuration',
          }),
        );
        return errorResponse(new TsError('configuration', 'worker configuration'));
      }
      return handler(request);
    },
  };
}
