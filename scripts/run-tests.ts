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

let tail = '';
child.stdout.on('data', (data: Buffer) => {
  process.stdout.write(data);
  tail = (tail + data.toString()).slice(-4000);
});
child.on('close', (code) => {
  const count = (name: string) => Number(new RegExp(`ℹ ${name} (\\d+)`).exec(tail)?.[1] ?? 0);
  const failed = count('fail') + count('cancelled');
  process.stdout.write(
    `\n${count('pass')} passed, ${failed} failed, ${count('skipped')} skipped\n`,
  );
  process.exitCode = code === 0 && failed === 0 ? 0 : 1;
});
