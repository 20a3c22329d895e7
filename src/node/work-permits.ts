/**
 * How many pages one process rewrites at once: the Node server's `PlatformServices.admit`.
 *
 * A page being decoded, rewritten and re-encoded holds codec state and buffers (~1.6 MB of RSS for
 * the fixture page, most of it brotli's) and makes ~1.3 MB of short-lived ArrayBuffers. The page
 * path is CPU-bound on one JavaScript thread and the zlib threadpool, so working on 64 pages at
 * once finishes them no sooner than working on 8 in turn; it only multiplies the memory that is
 * live, and lets each page's buffers live long enough to reach V8's old generation, where they
 * wait for a mark-compact. At 64 connections on the fixture page that was an RSS plateau of
 * ~1.1 GB against ~0.5 GB at the same requests/s (docs/performance.md, "Memory under sustained
 * load").
 *
 * So a body the proxy rewrites waits for a permit once its origin has answered, in arrival order
 * (nothing is built for it meanwhile, and its origin's answer waits unread). A permit is held only
 * while its page is being worked on, and waiting is bounded:
 * - a holder that makes no progress for {@link WorkPermitOptions.stallMs} (a slow origin, a reader
 *   that does not take the output) loses its permit and goes on without one: slow peers must
 *   neither keep the CPU idle nor hold other readers back;
 * - so does one that has held it for {@link WorkPermitOptions.maxHoldMs} (a page that streams for
 *   seconds, a huge page): a permit stands for a page's burst of work, not its whole life;
 * - a body that has waited {@link WorkPermitOptions.maxWaitMs} starts without a permit, so an
 *   overloaded server degrades to working on everything at once rather than queueing without end.
 * A free permit is granted synchronously.
 */
import type { WorkPermit } from '../core/services.ts';

export interface WorkPermitOptions {
  /** Pages worked on at once; 0 turns the limit off. */
  permits: number;
  /** Longest wait for a permit before a page starts without one. */
  maxWaitMs: number;
  /** A holder that has not made progress for this long loses its permit. */
  stallMs: number;
  /** A holder loses its permit after this long, progress or not. */
  maxHoldMs: number;
}

/** What a request without a permit holds: nothing. */
const NO_PERMIT: WorkPermit = { touch() {}, release() {} };

interface Waiter {
  grant: (permit: WorkPermit) => void;
  timer: NodeJS.Timeout;
  signal: AbortSignal;
  onAbort: () => void;
}

export class WorkPermits {
  readonly #options: WorkPermitOptions;
  #free: number;
  /**
   * Waiters in arrival order (a Set iterates in insertion order); one that times out or is
   * aborted leaves at once, so the queue holds live waiters only.
   */
  readonly #queue = new Set<Waiter>();
  #overflowed = 0;

  constructor(options: WorkPermitOptions) {
    this.#options = options;
    this.#free = options.permits;
  }

  /**
   * A permit: at once when one is free (or there is no limit), otherwise when one comes back or
   * the wait runs out (then one that holds nothing). Rejects with the signal's reason if it is
   * aborted first.
   */
  acquire(signal: AbortSignal): WorkPermit | Promise<WorkPermit> {
    if (this.#options.permits === 0) return NO_PERMIT;
    // A free permit means no one waits: a returned permit always goes to the queue first.
    if (this.#free > 0) {
      this.#free--;
      return this.#grant();
    }
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<WorkPermit>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        signal,
        timer: setTimeout(() => {
          this.#remove(waiter);
          this.#overflowed++;
          resolve(NO_PERMIT);
        }, this.#options.maxWaitMs),
        onAbort: () => {
          this.#remove(waiter);
          reject(signal.reason as Error);
        },
      };
      waiter.timer.unref();
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.add(waiter);
    });
  }

  /** For tests and diagnostics. */
  stats(): { active: number; waiting: number; overflowed: number } {
    return {
      active: this.#options.permits - this.#free,
      waiting: this.#queue.size,
      overflowed: this.#overflowed,
    };
  }

  #remove(waiter: Waiter): void {
    this.#queue.delete(waiter);
    clearTimeout(waiter.timer);
    waiter.signal.removeEventListener('abort', waiter.onAbort);
  }

  #grant(): WorkPermit {
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      clearTimeout(stall);
      clearTimeout(hold);
      this.#handOn();
    };
    const stall = setTimeout(release, this.#options.stallMs);
    const hold = setTimeout(release, this.#options.maxHoldMs);
    stall.unref();
    hold.unref();
    return {
      touch: () => {
        if (held) stall.refresh();
      },
      release,
    };
  }

  /** A permit came back: to the longest waiter, else to the free ones. */
  #handOn(): void {
    const [waiter] = this.#queue;
    if (!waiter) {
      this.#free++;
      return;
    }
    this.#remove(waiter);
    waiter.grant(this.#grant());
  }
}
