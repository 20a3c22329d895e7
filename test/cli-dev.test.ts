/**
 * `trusted-server dev --target cloudflare --config FILE --port N` (alias `npm run dev:worker`): builds the Worker with that config, serves it in
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
import { embedWorkerSettings } from '../src/build/worker.ts';
import { capnpConfig } from '../src/build/workerd.ts';
import { baseToml } from './helpers/settings.ts';

const BIN = fileURLToPath(new URL('../bin/trusted-server.js', import.meta.url));
const DEV = [BIN, 'dev', '--target', 'cloudflare'];

async function freePort(): Promise<number> {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('trusted-server dev --target cloudflare', () => {
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
    const child = spawn(process.execPath, [...DEV, '--config', config, '--port', String(port)]);
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
    const child = spawn(process.execPath, [...DEV, '--config', config, '--port', '0']);
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.match(stderr, /origin_ur/);
  });

  it('refuses a port already taken at once, exit 1, rather than waiting on the other listener', async () => {
    const config = await configFile(baseToml());
    // A listener that accepts connections and never answers: what workerd's health wait would hit.
    const taken = http.createServer(() => undefined);
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as { port: number };
    try {
      const started = Date.now();
      const child = spawn(process.execPath, [...DEV, '--config', config, '--port', String(port)]);
      let stderr = '';
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`--port ${port}: 127\\.0\\.0\\.1:${port} is already in use`));
      assert.ok(Date.now() - started < 10_000, 'answered without waiting for workerd');
    } finally {
      taken.close();
    }
  });
});

describe('local workerd outbound', () => {
  const config = (extra: string) => {
    const { embedded, settings } = embedWorkerSettings(baseToml('https://www.origin.test', extra), {
      source: 'test.toml',
      env: {},
      dev: true,
    });
    return capnpConfig({
      settings,
      embedded,
      address: '127.0.0.1:1',
      compatibilityDate: '2026-01-01',
      objectsDir: '/tmp/objects',
    });
  };

  it('sends only origin requests to proxy.origin_address; third parties use the network', () => {
    const text = config('[proxy]\norigin_address = "127.0.0.1:9443"\n');
    assert.match(text, /globalOutbound = "internet"/);
    assert.match(text, /\(name = "internet", network = /);
    assert.match(text, /\(name = "origin", external = \(address = "127\.0\.0\.1:9443"/);
    assert.match(text, /\(name = "TS_ORIGIN", service = "origin"\)/);
  });

  it('without an origin address there is no origin service at all', () => {
    const text = config('');
    assert.match(text, /globalOutbound = "internet"/);
    assert.doesNotMatch(text, /TS_ORIGIN|name = "origin"/);
  });
});
