/**
 * `trusted-server build --target …` and the command line around the edge builds: every command's
 * `--help`, clear errors for a missing or unknown target and for flags of another target, the
 * Worker built and its secrets listed, and the npm alias (`npm run build:worker`) taking the same
 * flags. The Fastly package itself is built in fastly-build.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startWorkerd } from '../src/build/workerd.ts';
import { ROOT } from '../src/build/project-root.ts';
import { embedWorkerSettings } from '../src/build/worker.ts';
import { loadSettings } from '../src/core/settings/load-settings.ts';
import { baseToml, EC_PASSPHRASE, SECRET_PROXY } from './helpers/settings.ts';

const BIN = fileURLToPath(new URL('../bin/trusted-server.js', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const cli = (...args: string[]) => run(process.execPath, [BIN, ...args]);

describe('trusted-server build', () => {
  let dir: string;
  let config: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-cli-build-'));
    config = join(dir, 'trusted-server.toml');
    await writeFile(config, baseToml('https://www.origin.test'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints each command its own usage on --help, and exits 0', async () => {
    const expected = {
      build: [/trusted-server build --target cloudflare\|fastly --config FILE/, /--secret-store/],
      dev: [/trusted-server dev --target cloudflare --config FILE/, /fastly compute serve/],
      serve: [/trusted-server serve --config FILE/, /--tls-cert/],
      config: [/trusted-server config check FILE/],
      demo: [/trusted-server demo \[--port 8080\]/],
    };
    for (const [command, patterns] of Object.entries(expected)) {
      const result = await cli(command, '--help');
      assert.equal(result.code, 0, `${command} --help: ${result.stderr}`);
      for (const pattern of patterns) assert.match(result.stdout, pattern, command);
      assert.equal(result.stderr, '');
    }
    const overview = await cli('--help');
    assert.match(overview.stdout, /trusted-server build --target/);
    assert.match(overview.stdout, /trusted-server dev --target/);
  });

  it('refuses an unknown or missing target with exit 2, listing the valid ones', async () => {
    const unknown = await cli('build', '--target', 'aws', '--config', config);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown --target "aws" \(valid: cloudflare, fastly\)/);
    assert.match(unknown.stderr, /Usage:\n {2}trusted-server build/);

    const missing = await cli('build', '--config', config);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /build needs --target \(one of: cloudflare, fastly\)/);

    const devFastly = await cli('dev', '--target', 'fastly', '--config', config);
    assert.equal(devFastly.code, 2);
    assert.match(devFastly.stderr, /dev has no --target fastly \(valid: cloudflare\)/);
    assert.match(devFastly.stderr, /fastly compute serve/);
  });

  it('refuses missing --config, unknown flags and flags of the other target', async () => {
    const noConfig = await cli('build', '--target', 'cloudflare');
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /build needs --config FILE/);

    const unknownFlag = await cli(
      'build',
      '--target',
      'cloudflare',
      '--config',
      config,
      '--minify',
    );
    assert.equal(unknownFlag.code, 2);
    assert.match(unknownFlag.stderr, /Unknown option '--minify'/);
    assert.match(unknownFlag.stderr, /trusted-server build --target/);

    const fastlyFlag = await cli(
      'build',
      ...['--target', 'cloudflare', '--config', config, '--secret-store', 'mine'],
    );
    assert.equal(fastlyFlag.code, 2);
    assert.match(fastlyFlag.stderr, /--secret-store applies only to --target fastly/);

    const badPort = await cli('dev', '--target', 'cloudflare', '--config', config, '-p', 'x');
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--port must be a port number \(0-65535\), got "x"/);
  });

  it('builds the Worker into --out and lists the Worker secrets it reads, values never', async () => {
    const out = join(dir, 'worker');
    const result = await cli('build', '--target', 'cloudflare', '--config', config, '--out', out);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.split('\n')[0], `wrote ${join(out, 'worker.js')}`);
    assert.match(
      result.stdout,
      /TRUSTED_SERVER__PUBLISHER__PROXY_SECRET {2}\(publisher\.proxy_secret\)\n {2}TRUSTED_SERVER__EC__PASSPHRASE {2}\(ec\.passphrase\)/,
    );
    const bundle = await readFile(join(out, 'worker.js'), 'utf8');
    for (const secret of [SECRET_PROXY, EC_PASSPHRASE]) {
      assert.ok(!bundle.includes(secret) && !result.stdout.includes(secret));
    }
  });

  it('exits 1 naming the key of a bad config, and writes nothing', async () => {
    const bad = join(dir, 'bad.toml');
    await writeFile(bad, baseToml().replace('origin_url = ', 'origin_ur = '));
    const out = join(dir, 'bad-out');
    const result = await cli('build', '--target', 'cloudflare', '--config', bad, '--out', out);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /publisher\.origin_ur: unknown key; did you mean "origin_url"\?/);
    await assert.rejects(stat(out));
  });

  it('--dev builds a Worker that accepts the sample secrets of an example config', async () => {
    const placeholder = join(dir, 'placeholder.toml');
    const toml = baseToml('https://www.origin.test').replace(
      SECRET_PROXY,
      'change-me-proxy-secret',
    );
    await writeFile(placeholder, toml);
    const out = join(dir, 'dev-worker');
    const args = ['build', '--target', 'cloudflare', '--config', placeholder, '--out', out];
    const result = await cli(...args, '--dev');
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      await readFile(join(out, 'worker.js'), 'utf8'),
      /\ballowPlaceholderSecrets: true\b/,
    );
    const refusing = await cli(...args.slice(0, -1), join(dir, 'prod-worker'));
    assert.equal(refusing.code, 0, refusing.stderr);
    assert.match(
      await readFile(join(dir, 'prod-worker/worker.js'), 'utf8'),
      /\ballowPlaceholderSecrets: false\b/,
    );
    // Served with the config's own (sample) secrets, as `wrangler secret put` would set them.
    const settings = loadSettings(toml);
    const running = await startWorkerd({
      bundle: join(out, 'worker.js'),
      settings,
      embedded: embedWorkerSettings(toml, { source: placeholder, env: {}, dev: true }).embedded,
    });
    try {
      const health = await fetch(`${running.url}/health`);
      assert.equal(health.status, 200);
      assert.equal(await health.text(), 'ok');
    } finally {
      await running.close();
    }
  });

  it('npm run build:worker is an alias taking the same flags', async () => {
    const out = join(dir, 'alias');
    const result = await run('npm', [
      ...['run', '--silent', 'build:worker', '--'],
      ...['--config', config, '--out', out],
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^wrote ${join(out, 'worker.js')}$`, 'm'));
    assert.ok((await stat(join(out, 'worker.js'))).size > 10_000);
  });
});
