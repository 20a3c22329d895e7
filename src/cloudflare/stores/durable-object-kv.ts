/**
 * The Durable Object behind the Cloudflare store (`TrustedServerKv`, bound as `TS_KV`): one shard
 * of the key space, holding its entries in the object's own SQLite storage.
 *
 * Compare-and-swap is atomic because an object runs one call at a time and every method here is
 * synchronous SQL (no `await` inside, so no other call can interleave); the conditional writes
 * also run in `transactionSync`, so a failure half-way leaves nothing written. The object is the
 * only copy of its keys, so a read sees every write that finished before it: strongly
 * consistent, wherever the calling Worker runs.
 *
 * Expired rows are skipped by every read and deleted a few at a time by later writes (no alarm:
 * expiry follows the callers' clock, see durable-object-kv-protocol.ts, and a lingering expired
 * row costs only its bytes).
 *
 * The same class also counts the Cloudflare rate limiter's calls (`increment`, see
 * durable-object-rate-counts.ts), on objects of its own names: one class keeps one binding and
 * one migration for the whole deployment.
 */
import { DurableObject, type DurableObjectState, type SqlStorage } from 'cloudflare:workers';
import { newGeneration, type KvEntry, type KvPutResult } from '../../core/store/kv.ts';
import { prefixUpperBound } from '../../core/store/kv-prefix.ts';
import type { KvObjectApi, KvObjectWrite } from './durable-object-kv-protocol.ts';
import { RateCounts } from './durable-object-rate-counts.ts';

/** Expired rows a write deletes on its way: bounded work per call, storage still shrinks. */
const SWEEP_PER_WRITE = 8;

const LIVE = '(expires_at IS NULL OR expires_at > ?)';

interface Row {
  value: string;
  metadata: string | null;
  generation: string;
  expires_at: number | null;
}

export class TrustedServerKv extends DurableObject implements KvObjectApi {
  readonly #sql: SqlStorage;
  readonly #rates: RateCounts;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#rates = new RateCounts(ctx.storage);
    // Idempotent, and cheap enough to run whenever the object starts.
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS kv (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      metadata TEXT,
      generation TEXT NOT NULL,
      expires_at INTEGER
    ) WITHOUT ROWID`);
    this.#sql.exec(
      'CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL',
    );
  }

  get(key: string, at: number): KvEntry | null {
    const row = this.#live(key, at);
    if (row === undefined) return null;
    return row.metadata === null
      ? { value: row.value, generation: row.generation }
      : { value: row.value, metadata: row.metadata, generation: row.generation };
  }

  put(write: KvObjectWrite): KvPutResult {
    return this.ctx.storage.transactionSync((): KvPutResult => {
      const current = this.#live(write.key, write.at);
      if (write.mode.kind === 'add' && current !== undefined) {
        return { ok: false, reason: 'exists' };
      }
      if (write.mode.kind === 'if-generation' && current?.generation !== write.mode.generation) {
        return { ok: false, reason: 'generation-mismatch' };
      }
      const generation = newGeneration();
      this.#sql.exec(
        `INSERT INTO kv (key, value, metadata, generation, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata,
           generation = excluded.generation, expires_at = excluded.expires_at`,
        write.key,
        write.value,
        write.metadata ?? null,
        generation,
        write.expiresAt ?? null,
      );
      this.#sweep(write.at);
      return { ok: true, generation };
    });
  }

  delete(key: string, at: number): boolean {
    const removed = this.#sql
      .exec<Pick<Row, 'expires_at'>>('DELETE FROM kv WHERE key = ? RETURNING expires_at', key)
      .toArray()[0];
    return removed !== undefined && (removed.expires_at === null || removed.expires_at > at);
  }

  countPrefix(prefix: string, limit: number, at: number): number {
    const upper = prefixUpperBound(prefix);
    const { n } =
      upper === undefined
        ? this.#sql
            .exec<{ n: number }>(
              `SELECT count(*) AS n FROM (SELECT 1 FROM kv WHERE key >= ? AND ${LIVE} LIMIT ?)`,
              prefix,
              at,
              limit,
            )
            .one()
        : this.#sql
            .exec<{ n: number }>(
              `SELECT count(*) AS n FROM
                 (SELECT 1 FROM kv WHERE key >= ? AND key < ? AND ${LIVE} LIMIT ?)`,
              prefix,
              upper,
              at,
              limit,
            )
            .one();
    return n;
  }

  increment(key: string, minute: number): number {
    return this.#rates.increment(key, minute);
  }

  #live(key: string, at: number): Row | undefined {
    return this.#sql
      .exec<Row>(
        `SELECT value, metadata, generation, expires_at FROM kv WHERE key = ? AND ${LIVE}`,
        key,
        at,
      )
      .toArray()[0];
  }

  #sweep(at: number): void {
    this.#sql.exec(
      `DELETE FROM kv WHERE key IN
         (SELECT key FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)`,
      at,
      SWEEP_PER_WRITE,
    );
  }
}
