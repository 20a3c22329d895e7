/**
 * Runs the test suite with Node's own runner and ends with one summary line,
 * `N passed, N failed, N skipped`, so CI logs have a single place to look.
 */
import { spawn } from 'node:child_process';

const files = process.argv.slice(2);
const child = spawn(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-concurrency=2',
    '--test-timeout=120000',
    ...(files.length > 0 ? files : ['test/**/*.test.ts']),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);

// The runner's totals (`ℹ pass 12`…) come before the details of failed tests, which can be long:
// read them line by line as they pass rather than from the end of the output.
const totals = new Map<string, number>();
let partial = '';
const TOTAL = /^ℹ (pass|fail|cancelled|skipped) (\d+)$/;
const readTotals = (text: string) => {
  const lines = (partial + text).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    const match = TOTAL.exec(line.trim());
    if (match) totals.set(match[1] as string, Number(match[2]));
  }
};
child.stdout.on('data', (data: Buffer) => {
  process.stdout.write(data);
  readTotals(data.toString());
});
child.on('close', (code) => {
  readTotals('\n');
  const count = (name: string) => totals.get(name) ?? 0;
  const failed = count('fail') + count('cancelled');
  // No totals at all means the runner itself failed: never report that as a clean run.
  const broken = totals.size === 0 && code !== 0 ? 1 : 0;
  process.stdout.write(
    `\n${count('pass')} passed, ${failed + broken} failed, ${count('skipped')} skipped\n`,
  );
  process.exitCode = code === 0 && failed === 0 ? 0 : 1;
});
