/**
 * The SQLite store (src/node/stores/sqlite-kv.ts): the contract on a real file, and what only a
 * file has — it survives a restart, several processes share it without losing an update, and a
 * file that is not ours stops the store with a message naming `[store]`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { prefixUpperBound } from '../src/core/store/kv-prefix.ts';
import { openSqliteKv } from '../src/node/stores/sqlite-kv.ts';
import { StoreOpenError } from '../src/node/stores/store-open-error.ts';
import { importFrom, incrementFromProcesses } from './helpers/concurrent-writers.ts';
import { kvContract, TestClock } from './contracts/kv-contract.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ts-sqlite-'));
}

kvContract('sqlite', () => {
  const dir = tempDir();
  const clock = new TestClock();
  const store = openSqliteKv({ path: join(dir, 'store.db'), busyTimeoutMs: 1000, now: clock.now });
  return Promise.resolve({
    store,
    clock,
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  });
});

describe('SQLite store', () => {
  it('creates its directory and keeps entries across a restart', async () => {
    const dir = tempDir();
    try {
      const path = join(dir, 'nested', 'deeper', 'store.db');
      const first = openSqliteKv({ path, busyTimeoutMs: 1000 });
      const written = await first.put('ec:1', 'graph', { metadata: 'meta' });
      await first.close();
      const second = openSqliteKv({ path, busyTimeoutMs: 1000 });
      assert.ok(written.ok);
      assert.deepEqual(await second.get('ec:1'), {
        value: 'graph',
        metadata: 'meta',
        generation: written.generation,
      });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loses no update when several processes write the same key at once', async () => {
    const dir = tempDir();
    try {
      const path = join(dir, 'shared.db');
      await openSqliteKv({ path, busyTimeoutMs: 1000 }).close();
      const perProcess = 150;
      await incrementFromProcesses({
        imports: importFrom('openSqliteKv', 'src/node/stores/sqlite-kv.ts'),
        openStore: `openSqliteKv({ path: ${JSON.stringify(path)}, busyTimeoutMs: 5000 })`,
        processes: 3,
        perProcess,
      });
      const store = openSqliteKv({ path, busyTimeoutMs: 1000 });
      assert.equal((await store.get('counter'))?.value, String(3 * perProcess));
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not a SQLite database, naming [store] and the cause', () => {
    const dir = tempDir();
    try {
      const path = join(dir, 'garbage.db');
      writeFileSync(path, Buffer.alloc(8192, 0x5a));
      assert.throws(
        () => openSqliteKv({ path, busyTimeoutMs: 100 }),
        (error: unknown) =>
          error instanceof StoreOpenError &&
          error.message.includes(`[store] path "${path}"`) &&
          /not a database/.test(error.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses another program's database without writing to it", () => {
    const dir = tempDir();
    try {
      const path = join(dir, 'theirs.db');
      const db = new DatabaseSync(path);
      db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT, expires_at INTEGER)');
      db.close();
      const before = readFileSync(path);
      assert.throws(
        () => openSqliteKv({ path, busyTimeoutMs: 100 }),
        (error: unknown) =>
          error instanceof StoreOpenError &&
          /\[store\] path .*another program's tables \(kv\)/.test(error.message),
      );
      assert.deepEqual(readFileSync(path), before, 'the file was changed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file written by a newer layout instead of misreading it', () => {
    const dir = tempDir();
    try {
      const path = join(dir, 'future.db');
      const db = new DatabaseSync(path);
      db.exec('PRAGMA user_version = 99');
      db.close();
      assert.throws(
        () => openSqliteKv({ path, busyTimeoutMs: 100 }),
        /\[store\] path .*newer Trusted Server \(layout 99/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a store call fails fast as store_unavailable once the file is gone from under it', async () => {
    const store = openSqliteKv({ path: ':memory:', busyTimeoutMs: 100 });
    await store.close();
    await assert.rejects(store.get('k'), { code: 'store_unavailable' });
  });

  it('prefix upper bounds follow code point order', () => {
    assert.equal(prefixUpperBound(''), undefined);
    assert.equal(prefixUpperBound('ec:'), 'ec;');
    assert.equal(prefixUpperBound('a\u{d7ff}'), 'a\u{e000}');
    assert.equal(prefixUpperBound('a\u{10ffff}'), 'b');
    assert.equal(prefixUpperBound('\u{10ffff}'), undefined);
  });
});
