/**
 * `waitUntil` on Node: work that outlives its response (pull sync, telemetry) is tracked, so a
 * graceful shutdown waits for it as it waits for in-flight requests, and its failures are logged
 * rather than left as unhandled rejections that would kill the process.
 */
import type { Logger } from '../core/log.ts';
import { toTsError } from '../core/errors.ts';

export class BackgroundWork {
  readonly #pending = new Set<Promise<unknown>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  get size(): number {
    return this.#pending.size;
  }

  add(work: Promise<unknown>): void {
    const tracked = work.then(
      () => {},
      (error: unknown) => {
        const failure = toTsError(error);
        this.#log.warn('background work failed', { code: failure.code, error: failure.message });
      },
    );
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Resolves when everything pending has settled, or at `deadline` (epoch ms) — whichever first. */
  async drain(deadline: number): Promise<number> {
    while (this.#pending.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#pending]),
        new Promise((resolve) => (timer = setTimeout(resolve, left))),
      ]);
      clearTimeout(timer);
    }
    return this.#pending.size;
  }
}
