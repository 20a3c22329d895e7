/** `trusted-server serve` as a real child process, for what only a whole process shows. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/trusted-server.js', import.meta.url));

export interface ServedProcess {
  child: ChildProcess;
  url: string;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
  exited: Promise<number | null>;
}

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs `serve` expecting it to exit (a refused start): its code and what it printed. */
export function runServeToExit(args: string[], timeoutMs = 20000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args]);
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not exit:\n${output}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Starts `serve` and resolves once it logs the URL it listens on. */
export async function startServeProcess(args: string[]): Promise<ServedProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args]);
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  let timer: NodeJS.Timeout | undefined;
  let listening = false;
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
      // Searched until found only: a busy server's log grows, and each search reads all of it.
      if (listening) return;
      const match = /"msg":"trusted-server listening","url":"([^"]+)"/.exec(output);
      if (match?.[1] !== undefined) {
        listening = true;
        resolve(match[1]);
      }
    });
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    child.on('close', () => reject(new Error(`serve exited early:\n${output}`)));
    timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 20000);
  }).finally(() => clearTimeout(timer));
  return { child, url, output: () => output, exited };
}
