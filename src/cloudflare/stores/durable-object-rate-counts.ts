/**
 * The rate limiter's counts inside one `TrustedServerKv` object: one row per key and minute in
 * the object's SQLite storage, raised by `increment`.
 *
 * Atomic because the object runs one call at a time and `increment` is synchronous SQL (no
 * `await`, so no other call interleaves between reading and raising a count); concurrent calls
 * from any number of Worker isolates are therefore counted exactly.
 *
 * Minutes only move forward: the object counts in the later of the caller's minute and the
 * latest minute it has counted. Callers' clocks differ by a little (Cloudflare keeps them close),
 * and a caller whose clock lags must not find last minute's budget again — the same rule as the
 * in-process limiter's for a clock stepped back. The price is that an object moves to the next
 * minute when the first caller's clock gets there, up to that lag early.
 *
 * Rows of earlier minutes can never be counted again; each call deletes a few of them, so old
 * minutes disappear as long as calls arrive, and at most one minute's rows outlive the traffic.
 * The table is created on the first count, so objects that only hold store keys never get one.
 */
import type { DurableObjectStorage } from 'cloudflare:workers';

/** Old rows each call deletes: more than the one row a call can add, so storage shrinks. */
const SWEEP_PER_CALL = 16;

export class RateCounts {
  readonly #storage: DurableObjectStorage;
  /** The latest minute counted; read from storage once per object start. */
  #latest: number | undefined;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  increment(key: string, minute: number): number {
    // The client computes the minute; anything else is a bug there, and must not count.
    if (!Number.isSafeInteger(minute)) {
      throw new TypeError(`rate limiter minute must be a whole number, got ${minute}`);
    }
    const sql = this.#storage.sql;
    return this.#storage.transactionSync(() => {
      const latest = (this.#latest ??= this.#start());
      const current = Math.max(minute, latest);
      this.#latest = current;
      const { count } = sql
        .exec<{ count: number }>(
          `INSERT INTO rate (minute, key, count) VALUES (?, ?, 1)
           ON CONFLICT (minute, key) DO UPDATE SET count = count + 1 RETURNING count`,
          current,
          key,
        )
        .one();
      sql.exec(
        `DELETE FROM rate WHERE (minute, key) IN
           (SELECT minute, key FROM rate WHERE minute < ? LIMIT ?)`,
        current,
        SWEEP_PER_CALL,
      );
      return count;
    });
  }

  /** Creates the table if needed and finds the latest minute counted before this start. */
  #start(): number {
    const sql = this.#storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS rate (
      minute INTEGER NOT NULL,
      key TEXT NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (minute, key)
    ) WITHOUT ROWID`);
    const { latest } = sql
      .exec<{ latest: number | null }>('SELECT max(minute) AS latest FROM rate')
      .one();
    return latest ?? Number.MIN_SAFE_INTEGER;
  }
}
