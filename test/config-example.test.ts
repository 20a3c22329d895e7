/**
 * The sample configuration (trusted-server.example.toml, every section of upstream's sample with
 * this project's own values) loads with `--dev` and is refused without it, naming each
 * placeholder secret. Upstream's own sample is not part of this repository; when a copy sits at
 * ../shared/fixtures/trusted-server.example.toml, it is held to the same rule.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/trusted-server.js', import.meta.url));
const OURS = fileURLToPath(new URL('../trusted-server.example.toml', import.meta.url));
const UPSTREAM = fileURLToPath(
  new URL('../../shared/fixtures/trusted-server.example.toml', import.meta.url),
);

function configCheck(file: string, dev: boolean): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    // No TRUSTED_SERVER__ overrides from the caller's environment: the file alone is judged.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !name.toUpperCase().startsWith('TRUSTED_SERVER__'),
      ),
    );
    const child = spawn(
      process.execPath,
      [BIN, 'config', 'check', file, ...(dev ? ['--dev'] : [])],
      { env },
    );
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

async function assertSampleRule(file: string, placeholders: readonly string[]): Promise<void> {
  const dev = await configCheck(file, true);
  assert.equal(dev.code, 0, dev.stderr);
  assert.match(dev.stderr, /warning: !!! DEVELOPMENT MODE: placeholder secrets in /);
  assert.match(dev.stderr, /configuration is valid/);

  const strict = await configCheck(file, false);
  assert.equal(strict.code, 1, strict.stderr);
  const refusal = strict.stderr.split('\n').find((line) => line.startsWith('error: '));
  // The one policy's wording (src/core/settings/placeholder-policy.ts), as `serve`, the Worker
  // and the Fastly package print it.
  assert.equal(
    refusal,
    `error: placeholder secrets in ${placeholders.join(', ')}: these sample values are public. ` +
      'Set each to a real secret (make one with `openssl rand -base64 32`), or use --dev for ' +
      'local development only.',
  );
}

describe('sample configurations', () => {
  it("this project's trusted-server.example.toml: loads with --dev, refused without", async () => {
    await assertSampleRule(OURS, [
      'publisher.proxy_secret',
      'ec.passphrase',
      'ec.partners[0].api_token',
      'handlers[0].password',
    ]);
  });

  it(
    "upstream's trusted-server.example.toml, when a copy is provided",
    { skip: existsSync(UPSTREAM) ? false : `no copy at ${UPSTREAM} (not vendored)` },
    async () => {
      await assertSampleRule(UPSTREAM, [
        'publisher.proxy_secret',
        'ec.passphrase',
        'handlers[0].password',
      ]);
    },
  );
});
