/**
 * Child processes of a bench run: the server under test and peers. Every child is killed when the
 * bench exits, however it exits, so a failed run leaves nothing listening.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** The checkout's short commit, `+dirty` with uncommitted changes, `unknown` outside git. */
export function gitCommit(root = ROOT): string {
  try {
    const git = (args: string[]) =>
      execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
    return git(['rev-parse', '--short', 'HEAD']) + (git(['status', '--porcelain']) ? '+dirty' : '');
  } catch {
    // Not a git checkout: the results still stand, only unlabelled.
    return 'unknown';
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a child whose stderr is kept (and shown if it fails to come up). */
export function startChild(
  command: string,
  args: string[],
): ChildProcess & { output: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  const keep = (data: Buffer) => {
    output = (output + data.toString()).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.once('exit', () => children.delete(child));
  return Object.assign(child, { output: () => output });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Resolves once `GET url` answers 200; fails with the child's output if it dies or times out. */
export async function untilOk(
  url: string,
  child?: ChildProcess & { output: () => string },
  timeoutMs = 20000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`process exited with ${child.exitCode} before answering:\n${child.output()}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get(url, { agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(5);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${child?.output() ?? ''}`);
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}
