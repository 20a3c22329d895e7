/**
 * The outermost handler of the edge entries (Workers, Fastly Compute), where a thrown error would
 * become the platform's own error page: the app is built (which can fail on configuration: a
 * missing secret, a placeholder, an unreadable store) and run, and every failure leaves as the
 * error mapping's response and the one log-line shape, the detail in the log only.
 */
import type { App } from './app.ts';
import { errorResponse, toTsError, TsError } from './errors.ts';
import type { Logger } from './log.ts';
import { logError } from './log-error.ts';

export interface ServeSafelyOptions {
  /** The app, built or cached; throws (or rejects) when the configuration cannot make one. */
  appFor(): App | Promise<App>;
  /** Where failures are logged when there is no app (and so no configured logger) to log them. */
  log: Logger;
  /** The platform's id for the request, for the log line: asked only when one is written. */
  requestId?: (request: Request) => string | undefined;
}

export async function serveSafely(
  request: Request,
  options: ServeSafelyOptions,
): Promise<Response> {
  let app: App;
  try {
    app = await options.appFor();
  } catch (thrown) {
    // Configuration messages name keys, stores and secret slots, never values.
    const error =
      thrown instanceof TsError && thrown.code === 'configuration'
        ? thrown
        : new TsError('configuration', thrown instanceof Error ? thrown.message : String(thrown), {
            cause: thrown,
          });
    return failed(error, request, options);
  }
  try {
    return await app(request);
  } catch (thrown) {
    // The app maps its own errors; reaching here is a bug in it, still answered the one way.
    return failed(toTsError(thrown), request, options);
  }
}

function failed(error: TsError, request: Request, options: ServeSafelyOptions): Response {
  logError(options.log, error, {
    requestId: options.requestId?.(request),
    method: request.method,
    path: pathOf(request.url),
  });
  return errorResponse(error);
}

function pathOf(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}
