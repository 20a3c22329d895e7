import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  findJemalloc,
  JEMALLOC_CONF,
  memoryRelaunch,
  V8_MEMORY_FLAGS,
} from '../src/node/memory-tuning.ts';

const MEMORY_TUNING = fileURLToPath(new URL('../src/node/memory-tuning.ts', import.meta.url));
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
const installed = () => JEMALLOC;
const absent = () => undefined;
const ON = { TRUSTED_SERVER_MEMORY_TUNING: 'on' };

describe('memory tuning (serve re-executes itself with start-up memory settings)', () => {
  it('adds the V8 flags and jemalloc, keeps the rest, and marks the environment', () => {
    const relaunch = memoryRelaunch(['--import', 'x.ts'], { ...ON, PATH: '/bin' }, installed);
    assert.deepEqual(relaunch?.execArgv, ['--import', 'x.ts', ...V8_MEMORY_FLAGS]);
    assert.equal(relaunch?.env.PATH, '/bin');
    assert.equal(relaunch?.env.LD_PRELOAD, JEMALLOC);
    assert.equal(relaunch?.env.MALLOC_CONF, JEMALLOC_CONF);
    assert.equal(relaunch?.env.TRUSTED_SERVER_MEMORY_TUNED, '1');
    // Once marked, never again (no exec loop).
    assert.equal(memoryRelaunch(relaunch.execArgv, relaunch.env, installed), undefined);
  });

  it('without jemalloc on the machine, only the V8 flags', () => {
    const relaunch = memoryRelaunch([], ON, absent);
    assert.deepEqual(relaunch?.execArgv, [...V8_MEMORY_FLAGS]);
    assert.equal(relaunch?.env.LD_PRELOAD, undefined);
    assert.equal(relaunch?.env.MALLOC_CONF, undefined);
    assert.equal(
      findJemalloc('darwin', () => true),
      undefined,
    );
    assert.equal(
      findJemalloc('linux', (path) => path === '/usr/lib64/libjemalloc.so.2'),
      '/usr/lib64/libjemalloc.so.2',
    );
  });

  it("leaves the operator's own flags, preload and allocator settings alone", () => {
    const own = memoryRelaunch(['--max_semi_space_size=64'], ON, absent);
    assert.deepEqual(own?.execArgv, ['--max_semi_space_size=64', '--heap-growing-percent=50']);
    const all = ['--max-semi-space-size=64', '--heap-growing-percent=100'];
    assert.equal(memoryRelaunch(all, ON, absent), undefined);
    assert.equal(memoryRelaunch(all, { ...ON, LD_PRELOAD: '/opt/agent.so' }, installed), undefined);
    const conf = memoryRelaunch(all, { ...ON, MALLOC_CONF: 'narenas:2' }, installed);
    assert.equal(conf?.env.LD_PRELOAD, JEMALLOC);
    assert.equal(conf?.env.MALLOC_CONF, 'narenas:2');
  });

  it('TRUSTED_SERVER_MEMORY_TUNING: off (the default) skips all, v8 the flags only, others refused', () => {
    const looked: string[] = [];
    const watched = () => (looked.push('looked'), JEMALLOC);
    assert.equal(memoryRelaunch([], {}, watched), undefined);
    assert.deepEqual(looked, [], 'off (the default) never looks for the allocator');
    assert.equal(memoryRelaunch([], { TRUSTED_SERVER_MEMORY_TUNING: 'off' }, installed), undefined);
    const v8 = memoryRelaunch([], { TRUSTED_SERVER_MEMORY_TUNING: 'V8' }, installed);
    assert.deepEqual(v8?.execArgv, [...V8_MEMORY_FLAGS]);
    assert.equal(v8?.env.LD_PRELOAD, undefined);
    assert.throws(
      () => memoryRelaunch([], { TRUSTED_SERVER_MEMORY_TUNING: 'no' }, installed),
      /TRUSTED_SERVER_MEMORY_TUNING must be one of on, v8, off; got "no"/,
    );
  });

  it('re-executes the process once, with the settings in effect', () => {
    const script = `
      const { applyMemoryTuning, memorySettings } = await import(${JSON.stringify(MEMORY_TUNING)});
      applyMemoryTuning();
      const v8 = await import('node:v8');
      const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      console.log(JSON.stringify({ argv: process.argv.slice(1), newSpaceMb: newSpace.space_size / 2 ** 20,
        pid: process.pid, ...memorySettings() }));
    `;
    const env: NodeJS.ProcessEnv = { ...process.env, TRUSTED_SERVER_MEMORY_TUNING: 'on' };
    for (const name of ['TRUSTED_SERVER_MEMORY_TUNED', 'LD_PRELOAD']) delete env[name];
    const lines = execFileSync(process.execPath, ['--input-type=module', '-e', script, 'a', 'b'], {
      encoding: 'utf8',
      env,
    })
      .trim()
      .split('\n');
    // One line: the first run replaced itself before printing.
    assert.equal(lines.length, 1);
    const tuned = JSON.parse(lines[0] as string) as {
      argv: string[];
      newSpaceMb: number;
      allocator: string;
      v8Flags: string;
    };
    assert.deepEqual(tuned.argv, ['a', 'b']);
    assert.equal(tuned.v8Flags, V8_MEMORY_FLAGS.join(' '));
    assert.ok(tuned.newSpaceMb <= 48, `new space ${tuned.newSpaceMb} MiB`);
    const jemalloc = findJemalloc();
    if (jemalloc === undefined) {
      console.log('# jemalloc not installed here (Debian: libjemalloc2): allocator check skipped');
      assert.equal(tuned.allocator, 'system');
    } else {
      assert.equal(tuned.allocator, 'jemalloc', `${jemalloc} preloaded`);
    }
  });
});
