/**
 * The Node adapter's services (src/node/services.ts): the clocks, the store `[store]` names, and
 * work after the response — which a graceful shutdown waits for, and whose failure is logged
 * instead of killing the process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../src/core/log.ts';
import { BackgroundWork } from '../src/node/background-work.ts';
import { createNodeServices } from '../src/node/services.ts';
import { startOrigin } from './helpers/origin.ts';
import { testSettings } from './helpers/settings.ts';

function capturingLog() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', sink: (line) => lines.push(line) }) };
}

describe('Node services', () => {
  it('now() is epoch milliseconds and monotonic() a separate duration clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-services-'));
    try {
      const settings = testSettings(undefined, `[store]\npath = "${join(dir, 's.db')}"\n`);
      const platform = await createNodeServices(settings, capturingLog().log);
      const before = Date.now();
      const now = platform.services.now();
      assert.ok(Math.abs(now - before) < 1000, `now() = ${now}, Date.now() = ${before}`);
      const start = platform.services.monotonic();
      await sleep(20);
      assert.ok(platform.services.monotonic() - start >= 15);
      await platform.close(Date.now());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens the SQLite store [store] names and keeps what was written after close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-services-'));
    try {
      const settings = testSettings(undefined, `[store]\npath = "${join(dir, 'state.db')}"\n`);
      const first = await createNodeServices(settings, capturingLog().log);
      assert.equal(first.services.kv?.kind, 'sqlite');
      await first.services.kv?.put('ec:x', 'graph');
      await first.close(Date.now());
      const second = await createNodeServices(settings, capturingLog().log);
      assert.equal((await second.services.kv?.get('ec:x'))?.value, 'graph');
      await second.close(Date.now());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('[store] takes a path or a url, never both, and only redis URLs', () => {
    assert.throws(
      () => testSettings(undefined, '[store]\npath = "a.db"\nurl = "redis://127.0.0.1:6379"\n'),
      /store: takes either path \(a SQLite file\) or url \(a Redis server\), not both/,
    );
    assert.throws(
      () => testSettings(undefined, '[store]\nurl = "postgres://user:secret@db/x"\n'),
      (error: unknown) =>
        /store\.url: must be a redis:\/\/ or rediss:\/\/ URL, got a postgres: URL/.test(
          String(error),
        ) && !String(error).includes('secret'),
    );
  });

  it('never echoes a Redis URL, which may hold a password', () => {
    assert.throws(
      () => testSettings(undefined, '[store]\nurl = "redis://:pa/ss-w0rd@host:bad"\n'),
      (error: unknown) =>
        /store\.url: must be a redis:\/\/ or rediss:\/\/ URL \(value hidden/.test(String(error)) &&
        !String(error).includes('pa/ss-w0rd'),
    );
  });

  it('`:memory:` gives a store that keeps nothing', async () => {
    const settings = testSettings(undefined, '[store]\npath = ":memory:"\n');
    const platform = await createNodeServices(settings, capturingLog().log);
    assert.equal(platform.services.kv?.kind, 'memory');
    await platform.close(Date.now());
  });
});

describe('Node services: shutdown', () => {
  it('does not wait past its deadline for a third party that never answers', async () => {
    const silent = await startOrigin(() => {}, { streaming: true });
    try {
      const settings = testSettings(undefined, '[store]\npath = ":memory:"\n');
      const platform = await createNodeServices(settings, capturingLog().log);
      const request = new Request('http://www.publisher.test/');
      platform.services.waitUntil(
        request,
        platform.services.fetchUpstream(new Request(`${silent.url}/sync`), {
          timeoutMs: 5000,
          maxResponseBytes: 1024,
        }),
      );
      await sleep(50);
      const started = Date.now();
      await platform.close(Date.now() + 200);
      assert.ok(Date.now() - started < 1500, `close took ${Date.now() - started} ms`);
    } finally {
      await silent.close();
    }
  });
});

describe('BackgroundWork (waitUntil on Node)', () => {
  it('a drain waits for pending work, and stops waiting at its deadline', async () => {
    const { log } = capturingLog();
    const work = new BackgroundWork(log);
    let finished = false;
    work.add(sleep(60).then(() => (finished = true)));
    assert.equal(work.size, 1);
    assert.equal(await work.drain(Date.now() + 2000), 0);
    assert.equal(finished, true);

    work.add(sleep(5000));
    const started = Date.now();
    assert.equal(await work.drain(Date.now() + 100), 1);
    assert.ok(Date.now() - started < 1000);
  });

  it('logs a failure with its code instead of crashing the process', async () => {
    const { lines, log } = capturingLog();
    const work = new BackgroundWork(log);
    work.add(Promise.reject(new Error('partner said no')));
    await work.drain(Date.now() + 1000);
    const line = lines.find((text) => text.includes('background work failed'));
    assert.ok(line, lines.join('\n'));
    assert.match(line, /"code":"internal"/);
    assert.equal(work.size, 0);
  });
});
