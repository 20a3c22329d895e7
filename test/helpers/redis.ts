/**
 * A real `redis-server` on loopback for the Redis store's tests and the store bench: a free port,
 * nothing written to disk, and the controls the failure tests need (stop and start again on the
 * same port, pause and resume the process). Where redis-server is not installed, `redisSkip`
 * says why, so the suites skip with that reason printed (CI installs it with apt-get).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

const BINARY = process.env['REDIS_SERVER_PATH'] ?? 'redis-server';

/** False when redis-server runs here, else the reason the Redis tests skip. */
export const redisSkip: string | false =
  spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0
    ? false
    : `${BINARY} not found (apt-get install redis-server)`;

export interface RedisServerOptions {
  /** Starts the server with `requirepass`, so clients must authenticate. */
  password?: string;
}

export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`, with the password when the server has one. */
  readonly url: string;
  /** Ends the process (SIGTERM) and waits for it; the port is free afterwards. */
  stop(): Promise<void>;
  /** Starts a fresh, empty server on the same port after `stop`. */
  start(): Promise<void>;
  /** SIGSTOP: the port still accepts connections, nothing answers (a hung server). */
  pause(): void;
  resume(): void;
}

export async function startRedis(options: RedisServerOptions = {}): Promise<TestRedis> {
  // Another process may take the free port between the probe and the bind: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await redisOn(port, options);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function redisOn(port: number, options: RedisServerOptions): Promise<TestRedis> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--loglevel',
    'notice',
    ...(options.password === undefined ? [] : ['--requirepass', options.password]),
  ];
  let child = await launch(args);
  // A test process that dies mid-run must not leave the server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    async stop() {
      await terminate(child);
    },
    async start() {
      if (child.exitCode === null && child.signalCode === null) return;
      child = await launch(args);
    },
    pause() {
      child.kill('SIGSTOP');
    },
    resume() {
      child.kill('SIGCONT');
    },
  };
}

/** Starts redis-server and resolves once it logs that it accepts connections. */
function launch(args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not become ready in 10 s:\n${output}`));
    }, 10_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        // Keep draining the pipes so a chatty server never blocks on a full one.
        child.stdout?.removeListener('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`));
    });
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A paused server ignores SIGTERM until it runs again.
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  await exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
