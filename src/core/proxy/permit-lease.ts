/**
 * A request's work permit on its way from admission to the body that does the work: the body
 * takes it, and whatever no body took is released when the request's handler returns (a
 * passthrough, a `HEAD`, a null-body status, an origin failure).
 */
import type { WorkPermit } from '../services.ts';

export class PermitLease {
  #permit: WorkPermit | undefined;

  constructor(permit: WorkPermit | undefined) {
    this.#permit = permit;
  }

  /** The permit, now the caller's to release; undefined if there is none or it was taken. */
  take(): WorkPermit | undefined {
    const permit = this.#permit;
    this.#permit = undefined;
    return permit;
  }

  releaseUnlessTaken(): void {
    this.take()?.release();
  }
}
