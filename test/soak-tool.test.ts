/**
 * Smoke test of `npm run soak` (a few seconds of load): it starts its own origin and server,
 * samples the server's memory from /proc and from inside (the preload), forces a GC when idle,
 * prints the table and summary, writes the JSON and the SVG chart, and refuses bad flags by name.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SOAK = fileURLToPath(new URL('../scripts/soak/main.ts', import.meta.url));

function run(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [SOAK, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run soak', () => {
  it('drives load, samples memory, forces a GC when idle, and writes a table, JSON and SVG', async () => {
    const out = mkdtempSync(join(tmpdir(), 'soak-smoke-'));
    const { code, stdout, stderr } = await run([
      '--minutes',
      '0.05',
      '--connections',
      '4',
      '--idle',
      '2',
      '--sample',
      '1',
      '--out',
      out,
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /RSS MB +heap MB +external MB/);
    assert.match(stdout, /idle \(gc\)/);
    assert.match(stdout, /RSS +baseline [\d.]+ MB, peak [\d.]+ MB, plateau [\d.]+ MB/);
    assert.match(stdout, /goal +plateau < 250 MB: (met|NOT met)/);
    const files = readdirSync(out);
    const json = files.find((f) => f.endsWith('.json'));
    const svg = files.find((f) => f.endsWith('.svg'));
    assert.ok(json && svg, files.join(', '));
    const saved = JSON.parse(readFileSync(join(out, json), 'utf8')) as {
      summary: { rps: number; errors: Record<string, number>; peakRss: number };
      samples: { phase: string; memory: { rss: number; heapUsed: number; gc: boolean } }[];
    };
    assert.ok(saved.summary.rps > 0);
    assert.deepEqual(saved.summary.errors, {});
    assert.ok(saved.summary.peakRss > 10);
    assert.ok(saved.samples.some((s) => s.phase === 'load' && s.memory.heapUsed > 0));
    assert.ok(saved.samples.some((s) => s.phase === 'idle' && s.memory.gc));
    assert.match(readFileSync(join(out, svg), 'utf8'), /^<svg[^>]*>[\s\S]*RSS[\s\S]*<\/svg>\s*$/);
  });

  it('refuses bad flags with a message naming the flag', async () => {
    const unknown = await run(['--minuets', '3']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--minuets/);
    const bad = await run(['--connections', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--connections must be a positive integer, got "0"/);
    const flags = await run(['--node-flags=--max-semi-space-size=8 oops']);
    assert.equal(flags.code, 2);
    assert.match(flags.stderr, /--node-flags takes flags that start with "--", got "oops"/);
  });
});
