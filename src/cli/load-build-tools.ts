/**
 * The edge builds need esbuild, workerd and @fastly/js-compute, which are development
 * dependencies: loaded only by `build` and `dev`, so `serve` starts without them (and without
 * their start-up cost) on an install made with `npm install --omit=dev`.
 */
import { CliError } from './cli-error.ts';

export async function loadBuildTools<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new CliError(
      `the edge builds need the project's development dependencies (${(error as Error).message}); ` +
        'run `npm install` without --omit=dev',
      { cause: error },
    );
  }
}
