/**
 * The {@link KvStore} of a self-hosted server: one SQLite file through `node:sqlite`, nothing to
 * install. WAL mode, so the processes of `serve --workers N` share the file: readers never wait,
 * a writer waits for another's lock at most `[store] timeout_ms` and then fails as
 * `store_unavailable`. Every write is one statement, so compare-and-swap is atomic across
 * processes without a transaction held open.
 *
 * The calls are synchronous under a Promise API: a lookup by primary key costs microseconds
 * (`npm run bench -- --store`), less than a hop to a thread would. The price: a write that waits
 * for another process's lock blocks this process's event loop for that wait (at most
 * `[store] timeout_ms`); WAL writers hold the lock for microseconds, so that takes pathological
 * contention. Expired rows are swept in small batches for the same reason.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { TsError } from '../../core/errors.ts';
import {
  settle,
  checkCountLimit,
  checkKey,
  checkPut,
  newGeneration,
  type KvEntry,
  type KvPutOptions,
  type KvPutResult,
  type KvStore,
} from '../../core/store/kv.ts';
import { prefixUpperBound } from '../../core/store/kv-prefix.ts';
import { StoreOpenError } from './store-open-error.ts';

/** The file's layout version (`PRAGMA user_version`); a newer file is refused, not misread. */
const SCHEMA_VERSION = 1;

/** Expired rows are deleted this often; until then reads skip them. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** Rows one sweep statement deletes at most. */
const SWEEP_BATCH = 500;

export interface SqliteKvOptions {
  path: string;
  /** How long a write waits for another process's lock. */
  busyTimeoutMs: number;
  now?: () => number;
}

export function openSqliteKv(options: SqliteKvOptions): KvStore {
  const now = options.now ?? Date.now;
  let db: DatabaseSync;
  try {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    db = new DatabaseSync(options.path, { timeout: options.busyTimeoutMs });
  } catch (error) {
    throw openError(options.path, error);
  }
  let statements: ReturnType<typeof prepare>;
  try {
    migrate(db);
    statements = prepare(db);
  } catch (error) {
    db.close();
    throw openError(options.path, error);
  }

  const sweep = setInterval(() => void sweepExpired(statements.sweep, now), SWEEP_INTERVAL_MS);
  sweep.unref();

  return {
    kind: 'sqlite',
    capabilities: { cas: true, ttl: true, consistent: true },

    get(key: string): Promise<KvEntry | null> {
      return guarded(() => {
        checkKey(key);
        const row = statements.get.get(key, now()) as Row | undefined;
        if (row === undefined) return null;
        return row.metadata === null
          ? { value: row.value, generation: row.generation }
          : { value: row.value, metadata: row.metadata, generation: row.generation };
      });
    },

    put(key: string, value: string, putOptions?: KvPutOptions): Promise<KvPutResult> {
      return guarded((): KvPutResult => {
        checkPut(key, value, putOptions);
        const at = now();
        const generation = newGeneration();
        const metadata = putOptions?.metadata ?? null;
        const ttl = putOptions?.ttlSeconds;
        const expiresAt = ttl === undefined ? null : at + ttl * 1000;
        const mode = putOptions?.mode ?? { kind: 'overwrite' };
        if (mode.kind === 'overwrite') {
          statements.overwrite.run(key, value, metadata, generation, expiresAt);
          return { ok: true, generation };
        }
        if (mode.kind === 'add') {
          const { changes } = statements.add.run(key, value, metadata, generation, expiresAt, at);
          return changes === 1 ? { ok: true, generation } : { ok: false, reason: 'exists' };
        }
        const { changes } = statements.swap.run(
          value,
          metadata,
          generation,
          expiresAt,
          key,
          mode.generation,
          at,
        );
        return changes === 1
          ? { ok: true, generation }
          : { ok: false, reason: 'generation-mismatch' };
      });
    },

    delete(key: string): Promise<boolean> {
      return guarded(() => {
        checkKey(key);
        const row = statements.delete.get(key) as { expires_at: number | null } | undefined;
        return row !== undefined && (row.expires_at === null || row.expires_at > now());
      });
    },

    countPrefix(prefix: string, limit: number): Promise<number> {
      return guarded(() => {
        checkCountLimit(limit);
        const upper = prefixUpperBound(prefix);
        const row = (
          upper === undefined
            ? statements.countFrom.get(prefix, now(), limit)
            : statements.countRange.get(prefix, upper, now(), limit)
        ) as { n: number };
        return row.n;
      });
    },

    close(): Promise<void> {
      clearInterval(sweep);
      if (db.isOpen) db.close();
      return Promise.resolve();
    },
  };
}

interface Row {
  value: string;
  metadata: string | null;
  generation: string;
}

function migrate(db: DatabaseSync): void {
  // Checked before anything is written: a file that is not ours is refused untouched.
  const { user_version: version } = db.prepare('PRAGMA user_version').get() as {
    user_version: number;
  };
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `written by a newer Trusted Server (layout ${version}; this one reads ${SCHEMA_VERSION})`,
    );
  }
  if (version === 0) {
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").all() as {
        name: string;
      }[]
    ).map((row) => row.name);
    if (tables.length > 0) {
      throw new Error(
        `it holds another program's tables (${tables.slice(0, 5).join(', ')}), not a Trusted Server store`,
      );
    }
  }
  // WAL: readers and one writer at a time across processes; NORMAL sync is durable across a
  // process crash (a power cut may lose the last writes, never corrupt the file).
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS kv (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      metadata TEXT,
      generation TEXT NOT NULL,
      expires_at INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
    PRAGMA user_version = ${SCHEMA_VERSION};
  `);
}

function prepare(db: DatabaseSync) {
  const live = '(expires_at IS NULL OR expires_at > ?)';
  return {
    get: db.prepare(`SELECT value, metadata, generation FROM kv WHERE key = ? AND ${live}`),
    overwrite: db.prepare(
      `INSERT INTO kv (key, value, metadata, generation, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata,
         generation = excluded.generation, expires_at = excluded.expires_at`,
    ),
    // An expired row counts as absent: it is replaced, a live one is left alone (0 changes).
    add: db.prepare(
      `INSERT INTO kv (key, value, metadata, generation, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata,
         generation = excluded.generation, expires_at = excluded.expires_at
       WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= ?`,
    ),
    swap: db.prepare(
      `UPDATE kv SET value = ?, metadata = ?, generation = ?, expires_at = ?
       WHERE key = ? AND generation = ? AND ${live}`,
    ),
    delete: db.prepare('DELETE FROM kv WHERE key = ? RETURNING expires_at'),
    countRange: db.prepare(
      `SELECT count(*) AS n FROM (SELECT 1 FROM kv WHERE key >= ? AND key < ? AND ${live} LIMIT ?)`,
    ),
    countFrom: db.prepare(
      `SELECT count(*) AS n FROM (SELECT 1 FROM kv WHERE key >= ? AND ${live} LIMIT ?)`,
    ),
    // In batches: one long DELETE would hold the event loop and the write lock of every process.
    sweep: db.prepare(
      `DELETE FROM kv WHERE key IN (SELECT key FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ${SWEEP_BATCH})`,
    ),
  } satisfies Record<string, StatementSync>;
}

/** A driver error (locked, disk full, corrupt page) is the store being unavailable. */
function guarded<T>(work: () => T): Promise<T> {
  return settle(work).catch((error: unknown) => Promise.reject(storeFailure(error)));
}

/** Deletes expired rows a batch at a time, yielding to requests between batches. */
async function sweepExpired(statement: StatementSync, now: () => number): Promise<void> {
  try {
    while (Number(statement.run(now()).changes) === SWEEP_BATCH) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch {
    // A failed sweep is retried at the next interval; reads skip expired rows meanwhile.
  }
}

function openError(path: string, error: unknown): StoreOpenError {
  return new StoreOpenError(
    `[store] path "${path}": cannot open it as a SQLite store: ${messageOf(error)}`,
    { cause: error },
  );
}

function storeFailure(error: unknown): TsError {
  if (error instanceof TsError) return error;
  return new TsError('store_unavailable', `sqlite store: ${messageOf(error)}`, { cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
