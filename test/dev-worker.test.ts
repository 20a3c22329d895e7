/**
 * `npm run dev:worker -- --config FILE --port N`: builds the Worker with that config, serves it in
 * workerd on the port, answers, and stops cleanly on Ctrl-C; a bad config is refused by key.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baseToml } from './helpers/settings.ts';

const DEV_WORKER = fileURLToPath(new URL('../scripts/dev-worker.ts', import.meta.url));

async function freePort(): Promise<number> {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('npm run dev:worker', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const configFile = async (toml: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'ts-dev-worker-'));
    dirs.push(dir);
    await writeFile(join(dir, 'trusted-server.toml'), toml);
    return join(dir, 'trusted-server.toml');
  };

  it('serves the config in workerd on the given port and exits 0 on SIGINT', async () => {
    const config = await configFile(baseToml());
    const port = await freePort();
    const child = spawn(process.execPath, [DEV_WORKER, '--config', config, '--port', String(port)]);
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const exited = once(child, 'exit');
    try {
      for (let i = 0; i < 400 && !output.includes(`127.0.0.1:${port}`); i++) {
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(
        output,
        new RegExp(`Worker \\(workerd, html_engine = builtin\\) on http://127\\.0\\.0\\.1:${port}`),
      );
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'ok');
      const bundle = await fetch(`http://127.0.0.1:${port}/static/tsjs=tsjs-unified.min.js`);
      assert.equal(bundle.status, 200);
      assert.match(bundle.headers.get('etag') ?? '', /^"sha256-/);
    } finally {
      child.kill('SIGINT');
    }
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, output);
  });

  it('refuses a bad config with the key named, and exits 1', async () => {
    const config = await configFile(baseToml().replace('origin_url = ', 'origin_ur = '));
    const child = spawn(process.execPath, [DEV_WORKER, '--config', config, '--port', '0']);
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.match(stderr, /origin_ur/);
  });
});
