/**
 * Keys of features not implemented yet are accepted, validated, and each produces one start-up
 * warning naming it — in `serve`'s log and in `config check` — never silently ignored.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FEATURE_STATUS } from '../src/core/settings/feature-status.ts';
import { loadSettings } from '../src/core/settings/load-settings.ts';
import { schemaKeys } from '../src/core/settings/schema-keys.ts';
import { settingsSchema } from '../src/core/settings/settings-schema.ts';
import { baseToml } from './helpers/settings.ts';

const BIN = fileURLToPath(new URL('../bin/trusted-server.js', import.meta.url));

function warningsOf(extra: string, env: Record<string, string> = {}): string[] {
  const warnings: string[] = [];
  loadSettings(baseToml(undefined, extra), {
    source: 'ts.toml',
    env,
    onWarning: (warning) => warnings.push(warning),
  });
  return warnings;
}

const DEFERRED_CONFIG = `
[integrations.prebid]
server_url = "https://pbs.example/openrtb2/auction"

[integrations.nextjs]
enabled = true

[debug]
ja4_endpoint_enabled = true
`;

describe('keys accepted but not implemented yet', () => {
  it('names only real schema keys (a feature that lands removes its entry)', () => {
    const known = new Set(schemaKeys(settingsSchema).map((key) => key.path));
    for (const entry of FEATURE_STATUS) {
      // `ec.partners` is the array of tables itself, listed as `ec.partners[]`.
      assert.ok(
        known.has(entry.key) || known.has(`${entry.key}[]`),
        `${entry.key} is not a key of the schema`,
      );
    }
    assert.equal(new Set(FEATURE_STATUS.map((entry) => entry.key)).size, FEATURE_STATUS.length);
  });

  it('warns nothing for a configuration that uses only implemented features', () => {
    assert.deepEqual(
      warningsOf('[integrations.nextjs]\nenabled = true\n[proxy]\ngzip_level = 4\n'),
      [],
    );
  });

  it('warns once per key written, whatever its sub-keys', () => {
    assert.deepEqual(warningsOf(DEFERRED_CONFIG), [
      'debug: accepted, not implemented yet (no debug endpoint or auction dump exists)',
      'integrations.prebid: accepted, not implemented yet (the integration does not run)',
    ]);
  });

  it('warns for keys set from the environment too', () => {
    assert.deepEqual(warningsOf('', { TRUSTED_SERVER__TESTER_COOKIE__ENABLED: 'true' }), [
      'tester_cookie: accepted, not implemented yet (no tester-cookie endpoints exist)',
    ]);
  });

  it('says nothing of a table switched off, or of a disabled integration', () => {
    assert.deepEqual(
      warningsOf(
        '[auction]\nenabled = false\nsanitize_creatives = true\n' +
          '[tinybird]\nenabled = false\n' +
          '[integrations.lockr]\nenabled = false\napp_id = "x"\n' +
          '[integrations.osano]\n',
      ),
      [],
    );
  });

  it('tells keys that will never act (unused upstream too) apart from deferred ones', () => {
    assert.deepEqual(
      warningsOf(
        '[[ec.partners]]\nname = "P"\nsource_domain = "p.example"\napi_token = "p-token-0123456789abcdef0123456789"\npull_sync_ttl_sec = 60\n',
      ),
      [
        'ec.partners[].pull_sync_ttl_sec: accepted for compatibility, has no effect (upstream no longer reads it)',
      ],
    );
  });
});

describe('the warnings at start-up', () => {
  let dir: string;
  let config: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-feature-status-'));
    config = join(dir, 'deferred.toml');
    await writeFile(config, baseToml('http://127.0.0.1:9', DEFERRED_CONFIG));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('config check prints each one and still exits 0', async () => {
    const result = await run(['config', 'check', config]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('warning: '));
    assert.deepEqual(lines, [
      'warning: debug: accepted, not implemented yet (no debug endpoint or auction dump exists)',
      'warning: integrations.prebid: accepted, not implemented yet (the integration does not run)',
    ]);
    assert.match(result.stderr, /configuration is valid/);
  });

  it('serve logs each one once before it starts', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--config', config, '--port', '0']);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (data: Buffer) => {
        output += data.toString();
        if (output.includes('trusted-server listening')) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('close', () => reject(new Error(`serve exited early:\n${output}`)));
    });
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('close', resolve));
    const warnings = output
      .split('\n')
      .filter((line) => line.includes('"level":"warn"') && line.includes('configuration: '));
    assert.equal(warnings.length, 2, output);
    assert.match(warnings[0] ?? '', /"msg":"configuration: debug: accepted, not implemented yet/);
    assert.match(warnings[1] ?? '', /"msg":"configuration: integrations\.prebid: accepted/);
  });
});
