import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeSelfSignedCertificate } from './helpers/self-signed.ts';
import { startOrigin, type TestOrigin } from './helpers/origin.ts';
import { baseToml, EC_PASSPHRASE, SECRET_PROXY } from './helpers/settings.ts';

const BIN = fileURLToPath(new URL('../bin/trusted-server.js', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `serve` and resolves once it logs the URL it listens on (all workers, if several). */
async function serveProcess(
  args: string[],
  listeners = 1,
  env: Record<string, string> = {},
): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...env },
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const found: string[] = [];
    const onData = (data: Buffer) => {
      output += data.toString();
      for (const match of output.matchAll(
        /"msg":"trusted-server listening","url":"([^"]+)","origin":"[^"]*","pid":(\d+)/g,
      )) {
        if (!found.includes(match[2] ?? '')) found.push(match[2] ?? '');
        if (found.length >= listeners) resolve(match[1] ?? '');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    child.on('close', () => reject(new Error(`serve exited early:\n${output}`)));
    setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 15000);
  });
  return { child, url, output: () => output, exited };
}

describe('trusted-server CLI', () => {
  let dir: string;
  let origin: TestOrigin;
  let goodConfig: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-cli-'));
    origin = await startOrigin((req, res) => {
      const delay = req.url === '/slow' ? 800 : 0;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`origin:${req.url}:${String(req.headers['x-forwarded-proto'])}`);
      }, delay);
    });
    goodConfig = join(dir, 'good.toml');
    await writeFile(goodConfig, baseToml(origin.url));
  });
  after(async () => {
    await origin.close();
  });

  it('config check prints the resolved config with secrets redacted and exits 0', async () => {
    const result = await run(['config', 'check', goodConfig]);
    assert.equal(result.code, 0, result.stderr);
    const resolved = JSON.parse(result.stdout) as { publisher: { proxy_secret: string } };
    assert.equal(resolved.publisher.proxy_secret, '[redacted]');
    assert.ok(!result.stdout.includes(SECRET_PROXY) && !result.stdout.includes(EC_PASSPHRASE));
    assert.match(result.stderr, /configuration is valid/);
  });

  it('config check exits 1 and names the key for a bad config', async () => {
    const bad = join(dir, 'bad.toml');
    await writeFile(bad, baseToml(origin.url).replace('origin_url', 'orign_url'));
    const result = await run(['config', 'check', bad]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /publisher\.orign_url: unknown key; did you mean "origin_url"\?/);
    assert.match(result.stderr, /publisher\.origin_url: missing required string/);
  });

  it('serve exits non-zero on a bad config, naming the key (from the environment too)', async () => {
    const result = await run(['serve', '--config', goodConfig, '--port', '0'], {
      TRUSTED_SERVER__PROXY__FIRST_BYTE_TIMEOUT_MS: 'ten',
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /proxy\.first_byte_timeout_ms \(from TRUSTED_SERVER__PROXY__FIRST_BYTE_TIMEOUT_MS\): expected an integer/,
    );
  });

  it('serve refuses ec.bot_gate = "ja4" in one line: Node sees no JA4, so no reader would get an ID', async () => {
    const config = join(dir, 'ja4.toml');
    await writeFile(config, baseToml(origin.url, 'bot_gate = "ja4"\n'));
    const refused = await run(['serve', '--config', config, '--port', '0']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refusing to start: ec\.bot_gate = \\"ja4\\".*use \\"ua\\"/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'a stack trace');
  });

  it('serve refuses placeholder secrets without --dev and warns loudly with it', async () => {
    const placeholder = join(dir, 'placeholder.toml');
    await writeFile(
      placeholder,
      baseToml(origin.url).replace(SECRET_PROXY, 'change-me-proxy-secret'),
    );
    const refused = await run(['serve', '--config', placeholder, '--port', '0']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /refusing to start: placeholder secrets in publisher\.proxy_secret/,
    );

    const dev = await serveProcess(['--config', placeholder, '--dev']);
    assert.match(dev.output(), /DEVELOPMENT MODE: placeholder secrets in publisher\.proxy_secret/);
    dev.child.kill('SIGTERM');
    assert.equal(await dev.exited, 0);
  });

  it('rejects bad usage with exit 2', async () => {
    assert.equal((await run(['serve'])).code, 2);
    assert.equal((await run(['serve', '--config', goodConfig, '--port', 'eighty'])).code, 2);
    assert.equal((await run(['frobnicate'])).code, 2);
  });

  it('serve proxies to origin_url, and finishes an in-flight request on SIGTERM before exiting 0', async () => {
    const served = await serveProcess(['--config', goodConfig]);
    const quick = await fetch(`${served.url}/hello?q=1`);
    assert.equal(await quick.text(), 'origin:/hello?q=1:http');

    const inFlight = fetch(`${served.url}/slow`).then(
      async (r) => [r.status, await r.text()] as const,
    );
    // Wait until the origin has the request, then ask the server to stop.
    const deadline = Date.now() + 3000;
    while (!origin.seen.some((r) => r.url === '/slow') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    served.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await assert.rejects(
      fetch(`${served.url}/hello`),
      'a stopping server must not accept new connections',
    );
    assert.deepEqual(await inFlight, [200, 'origin:/slow:http']);
    assert.equal(await served.exited, 0);
    assert.match(served.output(), /"msg":"shutting down","signal":"SIGTERM"/);
    assert.match(
      served.output(),
      /"msg":"request","method":"GET","path":"\/slow","status":200,"bytes":\d+,"total_ms":[\d.]+,"origin_ms":[\d.]+/,
    );
  });

  it("serve gives libuv's pool (zlib's threads) one thread per core, unless UV_THREADPOOL_SIZE says otherwise", async (t) => {
    if (process.platform !== 'linux') return t.skip('threads are counted through /proc');
    const poolThreads = (pid: number) =>
      readdirSync(`/proc/${pid}/task`).filter(
        (task) => readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim() === 'libuv-worker',
      ).length;
    const inherited = Number(process.env.UV_THREADPOOL_SIZE);
    for (const [env, expected] of [
      [{}, inherited > 0 ? inherited : availableParallelism()],
      [{ UV_THREADPOOL_SIZE: '3' }, 3],
    ] as const) {
      const served = await serveProcess(['--config', goodConfig], 1, env);
      // The config was read asynchronously, so the pool has started by now.
      assert.equal(poolThreads(served.child.pid ?? 0), expected, JSON.stringify(env));
      served.child.kill('SIGTERM');
      assert.equal(await served.exited, 0);
    }
  });

  it('serve --workers 2 runs two processes on one port and stops them all', async () => {
    const served = await serveProcess(['--config', goodConfig, '--workers', '2'], 2);
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${served.url}/w${i}`, { headers: { connection: 'close' } });
      assert.equal(await response.text(), `origin:/w${i}:http`);
    }
    served.child.kill('SIGTERM');
    assert.equal(await served.exited, 0);
  });

  it('serves HTTPS with --tls-cert/--tls-key and tells the origin the scheme is https', async (t) => {
    let key: string;
    let cert: string;
    try {
      ({ key, cert } = makeSelfSignedCertificate(dir, 'localhost'));
    } catch {
      t.skip('openssl is not installed: cannot make a test certificate');
      return;
    }
    const served = await serveProcess([
      '--config',
      goodConfig,
      '--tls-cert',
      cert,
      '--tls-key',
      key,
    ]);
    assert.match(served.url, /^https:\/\//);
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(`${served.url}/secure-page`, { rejectUnauthorized: false }, (res) => {
          let text = '';
          res.on('data', (data: Buffer) => (text += data.toString()));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    assert.equal(body, 'origin:/secure-page:https');
    served.child.kill('SIGTERM');
    await once(served.child, 'close');
  });

  it('demo (npm start) serves the demo article through the proxy and stops cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--port', '0']);
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => resolve(code)),
    );
    const deadline = Date.now() + 15000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /Open\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(url, `demo did not print its URL:\n${output}`);
    const article = await fetch(`${url}/`);
    assert.equal(article.status, 200);
    assert.equal(article.headers.get('x-robots-tag'), 'noindex');
    assert.match(await article.text(), /<h1>City council approves new bike lanes<\/h1>/);
    for (const [path, status, type] of [
      ['/next/app', 200, 'text/html'],
      ['/assets/site.css', 200, 'text/css'],
      ['/api/articles.json', 200, 'application/json'],
      ['/no-such-page', 404, 'text/html'],
    ] as const) {
      const response = await fetch(`${url}${path}`);
      assert.equal(response.status, status, path);
      assert.match(response.headers.get('content-type') ?? '', new RegExp(`^${type}`));
      assert.match(await response.text(), /127\.0\.0\.1/);
    }
    assert.match(output, /DEVELOPMENT MODE/);
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  });
});
