#!/usr/bin/env node
// Launcher for the `trusted-server` command. The sources are TypeScript run directly by Node 24
// (type stripping). If this launcher is started by an older Node (a machine's system Node 20),
// it re-runs itself under the Node 24 the project pins through the npm `node` package.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);

if (major >= 24) {
  await import(main);
} else {
  let pinned;
  try {
    pinned = createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    process.stderr.write(
      `trusted-server needs Node.js 24 or later (this is ${process.version}); run \`npm install\` in the project to get it.\n`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) =>
    signal ? process.kill(process.pid, signal) : process.exit(code ?? 1),
  );
}
