/**
 * `trusted-server keys …` as real processes against a real SQLite file, then `serve` started on
 * the same file: it publishes what the CLI wrote and verifies upstream's vector with the imported
 * upstream key. No output of any subcommand carries a seed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, startServeProcess, type ServedProcess } from '../helpers/serve-process.ts';
import { baseToml } from '../helpers/settings.ts';
import {
  FIXTURE_KID,
  FIXTURE_PAYLOAD,
  FIXTURE_SEED,
  FIXTURE_SIGNATURE,
  FIXTURE_X,
} from './fixture-key.ts';
import { opensslX, SECOND_KID, SECOND_SEED, signingToml } from './signing-fixtures.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runKeys(args: string[], stdin?: string, cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'keys', ...args], cwd === undefined ? {} : { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe('trusted-server keys (real processes, real SQLite file)', () => {
  let dir: string;
  let config: string;
  const outputs: string[] = [];
  const keys = async (args: string[], stdin?: string) => {
    const run = await runKeys([...args, '--config', config], stdin);
    outputs.push(run.stdout, run.stderr);
    if (run.code === 0) {
      assert.ok(run.stderr.includes(`store: sqlite ${join(dir, 'keys.db')}\n`), run.stderr);
    }
    return run;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-keys-cli-'));
    config = join(dir, 'ts.toml');
    await writeFile(
      config,
      baseToml(
        'http://127.0.0.1:9',
        signingToml(`[store]\npath = "${join(dir, 'keys.db')}"\n`).replace(/^\n/, ''),
      ),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('list on an empty store says how to start', async () => {
    const run = await keys(['list']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /no signing keys \(trusted-server keys generate/);
  });

  it('import takes an upstream seed and makes it current; a second one from stdin stays active', async () => {
    const first = await keys(['import', '--kid', FIXTURE_KID, '--seed', FIXTURE_SEED]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `imported ${FIXTURE_KID} (current); x = ${FIXTURE_X}\n`);
    const second = await keys(['import', '--kid', SECOND_KID, '--seed', '-'], `${SECOND_SEED}\n`);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `imported ${SECOND_KID} (active); x = ${opensslX(SECOND_SEED)}\n`);
  });

  it('refusals are one line naming the flag or the rule, with a non-zero exit', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [
        ['import', '--kid', 'k1', '--seed', 'c2hvcnQ='],
        1,
        /--seed must decode to 32 bytes, got 5$/m,
      ],
      [
        ['import', '--kid', 'k1', '--seed', 'not base64!'],
        1,
        /--seed is not valid standard base64/,
      ],
      [['import', '--kid', 'k1'], 1, /keys import needs --seed/],
      [
        ['import', '--kid', FIXTURE_KID, '--seed', SECOND_SEED],
        1,
        /kid 'ts-2025-10-A' already exists/,
      ],
      [['deactivate'], 1, /keys deactivate needs --kid KID/],
      [['generate'], 1, /a current key exists \(ts-2025-10-A\): use `keys rotate`/],
      [['rotate', '--kid', 'Bad'], 1, /kid must start with a lowercase ASCII letter/],
      [['frobnicate'], 2, /keys takes one subcommand: generate\|import\|list\|rotate\|deactivate/],
    ];
    for (const [args, code, message] of cases) {
      const run = await keys(args);
      assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
      const first = run.stderr.split('\n').find((line) => !line.startsWith('store: ')) ?? '';
      assert.match(first, message, args.join(' '));
      assert.match(first, /^trusted-server: /);
    }
  });

  it('rotate, then list shows every state; deactivation waits for the overlap', async () => {
    const rotated = await keys(['rotate', '--kid', 'cli-rotated']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /^rotated to cli-rotated; previous ts-2025-10-A\n/);
    const early = await keys(['deactivate', '--kid', FIXTURE_KID]);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /cannot deactivate 'ts-2025-10-A' before .*rotation_overlap_secs/);
    const list = await keys(['list']);
    const rows = list.stdout.trim().split('\n');
    assert.match(rows[0] ?? '', /^KID\s+STATE\s+CREATED\s+RETIRED$/);
    assert.equal(rows.at(-1), '3 keys, 0 inactive');
    const states = Object.fromEntries(
      rows.slice(1, -1).map((row): [string, string] => {
        const [kid = '', state = ''] = row.split(/\s+/);
        return [kid, state];
      }),
    );
    assert.deepEqual(states, {
      [FIXTURE_KID]: 'retired',
      [SECOND_KID]: 'active',
      'cli-rotated': 'current',
    });
  });

  it('serve on the same file publishes the keys and verifies upstream vector', async () => {
    const served: ServedProcess = await startServeProcess(['--config', config]);
    try {
      const discovery = (await (
        await fetch(`${served.url}/.well-known/trusted-server.json`)
      ).json()) as {
        jwks: { keys: Array<{ kid: string }> };
      };
      assert.deepEqual(
        discovery.jwks.keys.map((key) => key.kid),
        [FIXTURE_KID, SECOND_KID, 'cli-rotated'],
      );
      const verify = await fetch(`${served.url}/verify-signature`, {
        method: 'POST',
        body: JSON.stringify({
          payload: FIXTURE_PAYLOAD,
          signature: FIXTURE_SIGNATURE,
          kid: FIXTURE_KID,
        }),
      });
      assert.equal(((await verify.json()) as { verified: boolean }).verified, true);
      // A key deactivated by the CLI while the server runs disappears within its cache time.
      const deactivated = await keys(['deactivate', '--kid', SECOND_KID]);
      assert.equal(deactivated.code, 0, deactivated.stderr);
      const listed = await keys(['list']);
      assert.equal(
        listed.stdout.trim().split('\n').at(-1),
        '3 keys, 1 inactive (remove with `keys deactivate --kid K --delete`)',
      );
      await new Promise((resolve) => setTimeout(resolve, 5100));
      const after = await (await fetch(`${served.url}/.well-known/trusted-server.json`)).text();
      assert.ok(!after.includes(SECOND_KID));
      outputs.push(served.output());
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
    }
  });

  it('every subcommand names the store it used, absolute, and never a Redis password', async () => {
    const relative = join(dir, 'relative.toml');
    await writeFile(
      relative,
      baseToml(
        'http://127.0.0.1:9',
        signingToml('[store]\npath = "data/ts.db"\n').replace(/^\n/, ''),
      ),
    );
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(join(elsewhere, 'data'), { recursive: true });
    for (const args of [['list'], ['rotate'], ['deactivate', '--kid', 'nope']]) {
      const run = await runKeys([...args, '--config', relative], undefined, elsewhere);
      outputs.push(run.stdout, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(
          `^store: sqlite ${join(elsewhere, 'data', 'ts.db').replace(/[.]/g, '\\.')}$`,
          'm',
        ),
        args.join(' '),
      );
    }
    const redis = join(dir, 'redis.toml');
    await writeFile(
      redis,
      baseToml(
        'http://127.0.0.1:9',
        signingToml(
          '[store]\nurl = "redis://admin:hunter2-store-pw@127.0.0.1:1/0"\ntimeout_ms = 200\n',
        ).replace(/^\n/, ''),
      ),
    );
    const run = await runKeys(['list', '--config', redis]);
    outputs.push(run.stdout, run.stderr);
    assert.match(run.stderr, /^store: redis 127\.0\.0\.1:1$/m);
    assert.ok(!run.stderr.includes('hunter2') && !run.stdout.includes('hunter2'));
  });

  it('no output of any command carries a seed', () => {
    for (const seed of [FIXTURE_SEED, SECOND_SEED]) {
      for (const output of outputs) assert.ok(!output.includes(seed.slice(0, 20)));
    }
  });
});
