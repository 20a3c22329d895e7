/**
 * A stand-in for Fastly's `RateCounter` (the subset in src/fastly/rate-counter-limiter.ts): counts
 * per entry, looked up over the last 10–60 seconds in steps of 10 as Fastly allows. Exact and
 * immediate, unlike Fastly's bucketed, slightly lagging counts.
 */
import type { RateCounterApi } from '../../src/fastly/rate-counter-limiter.ts';

export class RateCounterStandIn implements RateCounterApi {
  readonly #hits = new Map<string, number[]>();
  readonly #now: () => number;
  /** When set, every call throws as an unavailable host call would. */
  failing = false;

  constructor(now: () => number) {
    this.#now = now;
  }

  increment(entry: string, delta: number): void {
    if (this.failing) throw new Error('RateCounter: host call failed');
    if (!(delta >= 0) || !Number.isFinite(delta)) {
      throw new TypeError('increment: delta parameter is an invalid value');
    }
    const hits = this.#hits.get(entry) ?? [];
    for (let i = 0; i < delta; i++) hits.push(this.#now());
    this.#hits.set(entry, hits);
  }

  lookupCount(entry: string, duration: 10 | 20 | 30 | 40 | 50 | 60): number {
    if (this.failing) throw new Error('RateCounter: host call failed');
    if (![10, 20, 30, 40, 50, 60].includes(duration)) {
      throw new TypeError(
        'lookupCount: duration parameter must be either: 10, 20, 30, 40, 50, or 60',
      );
    }
    const since = this.#now() - duration * 1000;
    return (this.#hits.get(entry) ?? []).filter((at) => at > since).length;
  }
}
