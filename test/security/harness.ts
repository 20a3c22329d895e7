/**
 * What the security checklist files share: the runtimes a case runs on (the Node adapter, and the
 * Worker bundle in a real workerd process), a scripted origin reached by its configured name
 * (`www.origin.test`, so expected bodies do not depend on ports), and a client that reports exactly
 * what arrived on the wire — the bytes, and whether the response ended cleanly or was cut off.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import zlib from 'node:zlib';
import { loadSettings } from '../../src/core/settings/load-settings.ts';
import { startOrigin, type OriginHandler, type TestOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testSettings } from '../helpers/settings.ts';
import { ORIGIN } from '../shared-suite/origin.ts';
import { startWorkerdTarget, suiteToml, type Target } from '../shared-suite/targets.ts';

export { ORIGIN };

export type RuntimeName = 'node' | 'workerd';

export interface Runtime {
  name: RuntimeName;
  /** The proxy, `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  origin: TestOrigin;
  /** Captured log lines (Node only: workerd's console is not captured). */
  logs: string[];
}

export type RuntimeTest = (runtime: Runtime, t: TestContext) => Promise<void>;

/**
 * Registers one suite per runtime. Each starts `handler` as a streaming origin and the proxy in
 * front of it (the shared suite's configuration: origin `http://www.origin.test` reached through
 * `proxy.origin_address`, `max_decoded_body_bytes` 4 MiB). A workerd that cannot start skips its
 * tests with the reason printed; at most one Worker is built per call.
 */
export function describeRuntimes(
  title: string,
  handler: OriginHandler,
  register: (test: (name: string, fn: RuntimeTest) => void, runtime: RuntimeName) => void,
  runtimes: readonly RuntimeName[] = ['node', 'workerd'],
): void {
  for (const name of runtimes) {
    describe(`${title} (${name})`, () => {
      let origin: TestOrigin | undefined;
      let server: TestServer | undefined;
      let worker: Target | undefined;
      let running: Runtime | undefined;
      let skip: string | undefined;
      before(async () => {
        origin = await startOrigin(handler, { streaming: true });
        const address = origin.url.replace('http://', '');
        let url: string;
        let logs: string[] = [];
        if (name === 'node') {
          server = await startTestServer(loadSettings(suiteToml(address)));
          url = server.url;
          logs = server.logs;
        } else {
          try {
            worker = await startWorkerdTarget(address, 'builtin');
            url = worker.url;
          } catch (error) {
            skip = `workerd could not start: ${error instanceof Error ? error.message : String(error)}`;
            console.log(`# skipping ${title} (workerd): ${skip}`);
            return;
          }
        }
        running = { name, url, port: Number(new URL(url).port), origin, logs };
      });
      after(async () => {
        await server?.close();
        await worker?.close();
        await origin?.close();
      });
      register((testName, fn) => {
        it(testName, async (t) => {
          if (running === undefined) return t.skip(skip ?? 'runtime not started');
          await fn(running, t);
        });
      }, name);
    });
  }
}

export interface WireResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body bytes as received (not decoded). */
  body: Buffer;
  /**
   * `complete`: the response ended by its framing; `aborted`: the proxy cut the connection first;
   * `timeout`: still open when this client gave up (`timeoutMs`).
   */
  outcome: 'complete' | 'aborted' | 'timeout';
}

export interface WireOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  /** Gives up (rejects) when the response has not ended by then; default 10 s. */
  timeoutMs?: number;
  /** Connect from this loopback address (`127.0.0.2`), to play a proxy or a stranger. */
  localAddress?: string;
}

/**
 * One request on a fresh connection (no pooling: nothing outlives the test). Resolves once the
 * response ended, was cut off or timed out; rejects only when no response head arrived at all.
 */
export function wireRequest(url: string, options: WireOptions = {}): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let settled = false;
        const finish = (outcome: WireResponse['outcome']) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            outcome: timedOut ? 'timeout' : outcome,
          });
        };
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => finish(res.complete ? 'complete' : 'aborted'));
        res.on('aborted', () => finish('aborted'));
        res.on('error', () => finish('aborted'));
        res.on('close', () => finish(res.complete ? 'complete' : 'aborted'));
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error(`no response within ${options.timeoutMs ?? 10000} ms`));
    }, options.timeoutMs ?? 10000);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

/** Decodes a body by the Content-Encoding it arrived with; throws on a corrupt or cut stream. */
export function decodeAs(coding: string | undefined, body: Buffer): Buffer {
  if (coding === undefined || coding === 'identity') return body;
  if (coding === 'gzip') return zlib.gunzipSync(body);
  if (coding === 'br') return zlib.brotliDecompressSync(body);
  if (coding === 'deflate') return zlib.inflateSync(body);
  throw new Error(`unexpected Content-Encoding ${coding}`);
}

/** The tsjs tag the proxy injects at the start of the first `<head>`, as found in `html`. */
export function injectedTag(html: string): string {
  const tag = /<script src="\/static\/tsjs=[^"]+" id="trustedserver-js"[^>]*><\/script>/.exec(html);
  if (tag === null) throw new Error(`no tsjs tag in ${html.slice(0, 300)}`);
  return tag[0];
}

/** Resolves after `ms`; for polling loops only, never as a correctness wait. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves when `condition()` holds, polling every 20 ms; rejects with `message` after `ms`. */
export async function waitFor(condition: () => boolean, ms: number, message: string) {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(message);
    await sleep(20);
  }
}

export interface RawExchange {
  /** Everything the server wrote, as latin1. */
  text: string;
  /** Whether the server closed the connection (rather than this client giving up). */
  closed: boolean;
}

/** Writes `bytes` on a new TCP connection; collects the answer until the server closes or `ms`. */
export async function rawExchange(port: number, bytes: string, ms = 3000): Promise<RawExchange> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let text = '';
  socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
  await once(socket, 'connect');
  socket.write(bytes);
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    once(socket, 'close').then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  socket.destroy();
  return { text, closed };
}

/** `promise`, or a rejection with `message` if it has not settled after `ms` (timer cleared). */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface NodeProxy extends Runtime {
  server: TestServer;
  close(): Promise<void>;
}

/**
 * The Node adapter alone with its own settings: `origin_url` is `http://www.origin.test`, reached
 * at a streaming origin running `handler`; `extraToml` is appended (its `[proxy]` table must not
 * repeat, so pass proxy keys in `proxyToml`).
 */
export async function startNodeProxy(
  handler: OriginHandler,
  options: { proxyToml?: string; extraToml?: string } = {},
): Promise<NodeProxy> {
  const origin = await startOrigin(handler, { streaming: true });
  const address = origin.url.slice('http://'.length);
  try {
    const server = await startTestServer(
      testSettings(
        ORIGIN,
        `[proxy]\norigin_address = "${address}"\n${options.proxyToml ?? ''}${options.extraToml ?? ''}`,
      ),
    );
    return {
      name: 'node',
      url: server.url,
      port: server.port,
      origin,
      logs: server.logs,
      server,
      close: async () => {
        await server.close();
        await origin.close();
      },
    };
  } catch (error) {
    await origin.close();
    throw error;
  }
}
