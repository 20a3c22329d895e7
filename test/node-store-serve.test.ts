/**
 * `[store]` as an operator meets it through `serve`: the start-up line says which store and what
 * it guarantees, several instances share one Redis, a store that cannot be opened stops the start
 * with a message naming `[store]`, and a store that goes away at run time never takes the page
 * path down with it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from './helpers/origin.ts';
import { redisSkip, startRedis, type TestRedis } from './helpers/redis.ts';
import { BIN, runServeToExit, startServeProcess } from './helpers/serve-process.ts';
import { baseToml } from './helpers/settings.ts';

describe('serve with [store]', () => {
  let dir: string;
  let origin: TestOrigin;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-store-serve-'));
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('page');
    });
  });
  after(async () => {
    await origin.close();
    await rm(dir, { recursive: true, force: true });
  });

  const config = async (name: string, store: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, baseToml(origin.url, `\n[store]\n${store}\n`));
    return path;
  };

  it('opens the SQLite file it names and says what the store guarantees', async () => {
    const file = join(dir, 'nested', 'state.db');
    const served = await startServeProcess([
      '--config',
      await config('sqlite.toml', `path = "${file}"`),
    ]);
    try {
      assert.match(
        served.output(),
        /"store":"sqlite \(cas, ttl, consistent\); rate limits per process"/,
      );
      assert.equal(await (await fetch(`${served.url}/`)).text(), 'page');
    } finally {
      served.child.kill('SIGTERM');
      assert.equal(await served.exited, 0);
    }
  });

  it('refuses to start on a file that is not a SQLite store, naming [store] and the cause', async () => {
    const file = join(dir, 'not-a-db.db');
    await writeFile(file, Buffer.alloc(4096, 0x41));
    const result = await runServeToExit(['--config', await config('bad.toml', `path = "${file}"`)]);
    assert.equal(result.code, 1);
    assert.match(
      result.output,
      /refusing to start: \[store\] path \\"[^"]*not-a-db\.db\\": .*not a database/,
    );
    assert.doesNotMatch(result.output, /listening/);
  });

  it('config check prints a Redis URL redacted: it may hold a password', async () => {
    const path = await config('check.toml', 'url = "redis://user:hunter3-password@127.0.0.1:6379"');
    const result = spawnSync(process.execPath, [BIN, 'config', 'check', path], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /store/);
    assert.doesNotMatch(result.stdout + result.stderr, /hunter3-password/);
  });

  it('refuses to start when Redis cannot be reached, naming [store] url without its password', async () => {
    const result = await runServeToExit([
      '--config',
      await config(
        'unreachable.toml',
        'url = "redis://:hunter2-password@127.0.0.1:1"\ntimeout_ms = 300',
      ),
    ]);
    assert.equal(result.code, 1);
    assert.match(result.output, /\[store\] url/);
    assert.doesNotMatch(result.output, /hunter2-password/);
  });

  describe('on Redis', { skip: redisSkip }, () => {
    let redis: TestRedis;
    before(async () => {
      redis = await startRedis();
    });
    after(async () => {
      await redis.stop();
    });

    it('exits, rather than hangs on its Redis connections, when its port is taken', async () => {
      const path = await config('taken.toml', `url = "${redis.url}"\ntimeout_ms = 300`);
      const takenPort = new URL(origin.url).port;
      const result = await runServeToExit(['--config', path, '--port', takenPort], 15000);
      assert.notEqual(result.code, 0);
      assert.match(result.output, /EADDRINUSE|in use/);
    });

    it('starts two instances on one Redis, and keeps serving pages while Redis is down', async () => {
      const path = await config('redis.toml', `url = "${redis.url}"\ntimeout_ms = 300`);
      const first = await startServeProcess(['--config', path]);
      const second = await startServeProcess(['--config', path]);
      try {
        for (const served of [first, second]) {
          assert.match(
            served.output(),
            /"store":"redis \(cas, ttl, consistent\); rate limits per shared"/,
          );
        }
        await redis.stop();
        // Nothing on the page path waits for the store: pages go on, promptly.
        const started = performance.now();
        for (const served of [first, second]) {
          assert.equal(await (await fetch(`${served.url}/`)).text(), 'page');
        }
        assert.ok(performance.now() - started < 2000);
        await redis.start();
      } finally {
        first.child.kill('SIGTERM');
        second.child.kill('SIGTERM');
        assert.equal(await first.exited, 0);
        assert.equal(await second.exited, 0);
      }
    });
  });
});
