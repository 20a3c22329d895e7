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
  const worker = `
    ${options.imports}
    import { updateKv } from ${JSON.stringify(UPDATE_KV)};
    const store = await (${options.openStore});
    for (let i = 0; i < ${options.perProcess}; i++) {
      await updateKv(store, 'counter', (c) => String(Number(c?.value ?? '0') + 1), { attempts: 1000 });
    }
    await store.close();
  `;
  const runs = Array.from({ length: options.processes }, () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', worker], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    return new Promise<void>((resolve, reject) =>
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`)),
      ),
    );
  });
  await Promise.all(runs);
}

/** The import line for a module of this checkout, by its path from the repository root. */
export function importFrom(names: string, path: string): string {
  return `import { ${names} } from ${JSON.stringify(new URL(`../../${path}`, import.meta.url).href)};`;
}
