/**
 * `npm run bench:proxy` — the publisher proxy's three performance bars, measured in one run with
 * peers, offline on one machine (origin, proxies and load generator share its cores: compare the
 * ratios, not the absolute numbers, with other machines).
 *
 *   1. First byte: an origin drips the fixture page (identity: 16 KiB / 10 ms; gzip: 4 KiB / 10 ms);
 *      the client times *decoded* bytes. Reports how far the proxy's first and last byte trail the
 *      origin's (medians).
 *   2. Memory: a 50 MB HTML page through the proxy; the proxy process's RSS rise.
 *   3. Throughput: `GET /` of the fixture page (gzip from the origin, gzip to the client) at 16
 *      connections, against a plain Node streaming passthrough proxy (the ceiling) and a
 *      Cloudflare Worker doing the same rewrite with its native HTMLRewriter under workerd.
 *
 * All with `[integrations.nextjs] enabled = true` and one proxy process.
 *   npm run bench:proxy -- [--duration 8] [--runs 7] [--connections 16]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    runs: { type: 'string', default: '7' },
    connections: { type: 'string', default: '16' },
    nextjs: { type: 'boolean', default: true },
    'no-nextjs': { type: 'boolean', default: false },
  },
});
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(
  new URL('../../shared/fixtures/publisher-page.html', import.meta.url),
);
if (!existsSync(FIXTURE)) {
  console.log(`bench:proxy skipped: ${FIXTURE} not found (needs ../shared/fixtures)`);
  process.exit(0);
}
const page = readFileSync(FIXTURE);
const pageGzip = zlib.gzipSync(page);
const median = (list: number[]) =>
  [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ── the origin (in this process, so its clock is the client's) ─────────────────────────────────
const originEvents = { first: 0, last: 0 };
const origin = http.createServer((req, res) => {
  const path = req.url ?? '/';
  if (path.startsWith('/drip')) {
    const gzip = path.includes('gzip');
    const body = gzip ? pageGzip : page;
    const step = gzip ? 4096 : 16384;
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    let offset = 0;
    const tick = () => {
      if (offset === 0) originEvents.first = performance.now();
      res.write(body.subarray(offset, offset + step));
      offset += step;
      if (offset >= body.byteLength) {
        originEvents.last = performance.now();
        res.end();
      } else setTimeout(tick, 10);
    };
    tick();
    return;
  }
  if (path === '/big') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    const piece = page.subarray(0, 256 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < 50 * 1024 * 1024) {
        sent += piece.byteLength;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-encoding': 'gzip',
    'content-length': pageGzip.byteLength,
  });
  res.end(pageGzip);
});
await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
const originPort = (origin.address() as { port: number }).port;
// The fixture names its origin www.test-publisher.com; origin_address points that name here.
const ORIGIN_NAME = 'www.test-publisher.com';

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

async function startChild(
  command: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = {},
) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${args.join(' ')} did not start:\n${output}`)),
      20000,
    );
    const onData = (data: Buffer) => {
      output += data.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
  return child;
}

async function untilHealthy(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get(`http://127.0.0.1:${port}/health`, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`server on ${port} never became healthy`);
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ── the three servers under test ───────────────────────────────────────────────────────────────
const work = mkdtempSync(join(tmpdir(), 'bench-proxy-'));
const config = join(work, 'trusted-server.toml');
writeFileSync(
  config,
  `[publisher]\ndomain = "bench.example.com"\nhosts = ["127.0.0.1"]\ncookie_domain = ".bench.example.com"\norigin_url = "https://${ORIGIN_NAME}"\nproxy_secret = "bench-proxy-secret-0123456789"\n` +
    `[synthetic]\nsecret_key = "bench-synthetic-key-0123456789"\ntemplate = "{{ client_ip }}"\n` +
    `[proxy]\norigin_address = "127.0.0.1:${originPort}"\nmax_decoded_body_bytes = 134217728\n[logging]\nlevel = "warn"\n[integrations.nextjs]\nenabled = ${!values['no-nextjs']}\n`,
);
// origin_url is https (as the page's URLs are), but the bench origin speaks http: a plain fetch
// to the address keeps the comparison about rewriting, not TLS.
writeFileSync(
  config,
  readFileSync(config, 'utf8').replace(
    `origin_url = "https://${ORIGIN_NAME}"`,
    `origin_url = "http://${ORIGIN_NAME}"`,
  ),
);
const tsPort = await freePort();
const ts = spawn(
  process.execPath,
  [join(ROOT, 'src/cli/main.ts'), 'serve', '--config', config, '--port', String(tsPort)],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
children.push(ts);
await untilHealthy(tsPort);

const passthroughPort = await freePort();
writeFileSync(
  join(work, 'passthrough.mjs'),
  `import http from 'node:http';
const agent = new http.Agent({ keepAlive: true });
http.createServer((req, res) => {
  const up = http.request({ host: '127.0.0.1', port: ${originPort}, path: req.url, method: req.method, headers: { ...req.headers, host: '${ORIGIN_NAME}' }, agent }, (o) => { res.writeHead(o.statusCode, o.headers); o.pipe(res); });
  req.pipe(up);
}).listen(${passthroughPort}, '127.0.0.1', () => console.log('ready'));`,
);
await startChild(process.execPath, [join(work, 'passthrough.mjs')], /ready/);

const workerPort = await freePort();
writeFileSync(
  join(work, 'worker.js'),
  `const ORIGIN = 'https://${ORIGIN_NAME}';
const rewrite = (value) => (value && value.includes(ORIGIN) ? value.replaceAll(ORIGIN, 'http://127.0.0.1:${workerPort}') : null);
class Attr { constructor(name) { this.name = name; } element(el) { const next = rewrite(el.getAttribute(this.name)); if (next !== null) el.setAttribute(this.name, next); } }
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const upstream = await env.ORIGIN.fetch(new Request('http://${ORIGIN_NAME}' + url.pathname + url.search, { headers: request.headers }));
    let injected = false;
    let rewriter = new HTMLRewriter();
    for (const name of ['href', 'src', 'action', 'formaction', 'poster', 'srcset', 'imagesrcset']) rewriter = rewriter.on('[' + name + ']', new Attr(name));
    rewriter = rewriter.on('head', { element(el) { if (!injected) { injected = true; el.prepend('<script src="/static/tsjs=tsjs-unified.min.js" id="trustedserver-js"></script>', { html: true }); } } });
    return rewriter.transform(upstream);
  },
};`,
);
writeFileSync(
  join(work, 'config.capnp'),
  `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "origin", external = (address = "127.0.0.1:${originPort}", http = ())),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${workerPort}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "ORIGIN", service = "origin") ],
);`,
);
const workerd = join(ROOT, 'node_modules/.bin/workerd');
const worker = existsSync(workerd)
  ? spawn(workerd, ['serve', join(work, 'config.capnp')], { stdio: ['ignore', 'pipe', 'pipe'] })
  : undefined;
if (worker) children.push(worker);
await sleep(1500);

// ── 1. first byte ──────────────────────────────────────────────────────────────────────────────
async function dripOnce(port: number, path: string, gzip: boolean) {
  return new Promise<{ first: number; last: number }>((resolve, reject) => {
    http
      .get(
        `http://127.0.0.1:${port}${path}`,
        { headers: { 'accept-encoding': gzip ? 'gzip' : 'identity' } },
        (res) => {
          let first = 0;
          let last = 0;
          const decoded =
            res.headers['content-encoding'] === 'gzip' ? res.pipe(zlib.createGunzip()) : res;
          decoded.on('data', () => {
            const now = performance.now();
            if (first === 0) first = now;
            last = now;
          });
          decoded.on('end', () =>
            resolve({ first: first - originEvents.first, last: last - originEvents.last }),
          );
          decoded.on('error', reject);
        },
      )
      .on('error', reject);
  });
}

console.log(
  `bench:proxy — fixture page through the proxy (Next.js ${values['no-nextjs'] ? 'off' : 'on'}, one process)\n`,
);
const runs = Number(values.runs);
// Warm both proxies first (JIT, connection pools): a production server is warm.
for (const port of [tsPort, passthroughPort]) {
  for (let i = 0; i < 30; i++) {
    await new Promise<void>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${port}/`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  }
}
for (const [label, path, gzip] of [
  ['identity, 16 KiB / 10 ms', '/drip', false],
  ['gzip, 4 KiB / 10 ms', '/drip-gzip', true],
] as const) {
  const firsts: number[] = [];
  const lasts: number[] = [];
  const peerFirsts: number[] = [];
  const peerLasts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { first, last } = await dripOnce(tsPort, path, gzip);
    firsts.push(first);
    lasts.push(last);
    // The same drip through the plain passthrough proxy: what loopback and Node cost anyway.
    const peer = await dripOnce(passthroughPort, path, gzip);
    peerFirsts.push(peer.first);
    peerLasts.push(peer.last);
  }
  console.log(
    `  first byte (${label.padEnd(24)}): +${median(firsts).toFixed(2)} ms after the origin's (bar ≤ 2 ms); last byte +${median(lasts).toFixed(2)} ms (bar ≤ 5 ms)` +
      `   [plain passthrough: +${median(peerFirsts).toFixed(2)} / +${median(peerLasts).toFixed(2)} ms]`,
  );
}

// ── 2. memory ──────────────────────────────────────────────────────────────────────────────────
function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}
const baseline = rssKb(ts.pid as number);
let peak = baseline;
const sampler = setInterval(() => (peak = Math.max(peak, rssKb(ts.pid as number))), 10);
await new Promise<void>((resolve, reject) => {
  http
    .get(`http://127.0.0.1:${tsPort}/big`, (res) => {
      res.on('data', () => {});
      res.on('end', resolve);
    })
    .on('error', reject);
});
clearInterval(sampler);
console.log(
  `  memory: a 50 MB page raised the proxy's RSS by ${((peak - baseline) / 1024).toFixed(1)} MB (bar < 32 MB)`,
);

// ── 3. throughput ──────────────────────────────────────────────────────────────────────────────
async function load(port: number): Promise<number> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: Number(values.connections),
    duration: Number(values.duration),
    headers: { 'accept-encoding': 'gzip' },
  });
  if (result.non2xx > 0 || result.errors > 0)
    console.log(`    (port ${port}: ${result.non2xx} non-2xx, ${result.errors} errors)`);
  return result.requests.average;
}
const ours = await load(tsPort);
const ceiling = await load(passthroughPort);
const workerRate = worker ? await load(workerPort) : NaN;
console.log(
  `\n  throughput, ${values.connections} connections, ${values.duration} s each (requests/s):`,
);
console.log(`    Trusted Server (rewrite, gzip↔gzip)   ${ours.toFixed(0).padStart(7)}`);
console.log(
  `    plain Node passthrough (no rewrite)   ${ceiling.toFixed(0).padStart(7)}   (ceiling)`,
);
console.log(
  `    workerd + HTMLRewriter (lol_html)     ${Number.isNaN(workerRate) ? '   n/a' : workerRate.toFixed(0).padStart(7)}`,
);
if (!Number.isNaN(workerRate))
  console.log(`    ratio Trusted Server / workerd: ${(ours / workerRate).toFixed(2)}× (bar ≥ 2×)`);

for (const child of children) child.kill('SIGTERM');
origin.close();
origin.closeAllConnections();
process.exit(0);
