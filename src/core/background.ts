/**
 * The edges' `waitUntil`: work after the response is handed to the platform's event (which keeps
 * the isolate or sandbox alive for it) and its failure logged by code, never thrown. Work whose
 * request has no event (a copy of the request was passed) still runs, and says it is untracked.
 */
import { toTsError } from './errors.ts';
import type { Logger } from './log.ts';

export function keepAlive(
  log: Logger,
  work: Promise<unknown>,
  waitUntil: ((work: Promise<unknown>) => void) | undefined,
): void {
  const logged = work.then(
    () => {},
    (error: unknown) => {
      const failure = toTsError(error);
      log.warn('background work failed', { code: failure.code, error: failure.message });
    },
  );
  if (waitUntil) waitUntil(logged);
  else log.warn('background work is not tied to its request: the platform may end it early');
}
