/**
 * Several Node processes incrementing one counter through a store at once: the test of
 * compare-and-swap that only separate processes make real (one process's event loop would take
 * turns).
 */
import { spawn } from 'node:child_process';

const UPDATE_KV = new URL('../../src/core/store/kv-update.ts', import.meta.url).href;

export async function incrementFromProcesses(options: {
  /** `import { x } from '…'` lines the opening code needs. */
  imports: string;
  /** An expression (awaited) giving the child's KvStore. */
  openStore: string;
  processes: number;
  perProcess: number;
}): Promise<void> {
  // Each child opens its store, says "ready", and starts only on "go": all of them write at once,
  // instead of the first finishing before the last has started.
  const worker = `
    ${options.imports}
    import { updateKv } from ${JSON.stringify(UPDATE_KV)};
    const store = await (${options.openStore});
    process.stdout.write('ready\\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    for (let i = 0; i < ${options.perProcess}; i++) {
      await updateKv(store, 'counter', (c) => String(Number(c?.value ?? '0') + 1), { attempts: 1000 });
    }
    await store.close();
    process.stdin.destroy();
  `;
  const children = Array.from({ length: options.processes }, () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', worker], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('close', (code) => reject(new Error(`writer exited ${code} early: ${stderr}`)));
    });
    const done = new Promise<void>((resolve, reject) =>
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`)),
      ),
    );
    return { child, ready, done };
  });
  await Promise.all(children.map(({ ready }) => ready));
  for (const { child } of children) child.stdin.write('go\n');
  await Promise.all(children.map(({ done }) => done));
}

/** The import line for a module of this checkout, by its path from the repository root. */
export function importFrom(names: string, path: string): string {
  return `import { ${names} } from ${JSON.stringify(new URL(`../../${path}`, import.meta.url).href)};`;
}
