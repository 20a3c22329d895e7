/**
 * `npm run bench:worker -- [--duration 10] [--runs 3] [--connections 16] [--no-nextjs]`: the
 * Cloudflare Worker's throughput inside workerd, once per `cloudflare.html_engine` option, in one
 * run: `GET /` of ../shared/fixtures/publisher-page.html, served gzip by a loopback origin, gzip to
 * the client, 16 connections. Runs alternate between the engines; medians are reported. The origin
 * and the load generator share this process and the machine's cores with workerd: compare the
 * engines with each other, not the absolute numbers with other machines.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import autocannon from 'autocannon';
import { buildWorker } from '../src/build/worker.ts';
import { startWorkerd, type RunningWorkerd } from '../src/build/workerd.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    'no-nextjs': { type: 'boolean', default: false },
  },
});
const FIXTURE = fileURLToPath(
  new URL('../../shared/fixtures/publisher-page.html', import.meta.url),
);
if (!existsSync(FIXTURE)) {
  console.log(`bench:worker skipped: ${FIXTURE} not found (needs ../shared/fixtures)`);
  process.exit(0);
}
const ENGINES = ['builtin', 'htmlrewriter'] as const;
// The fixture's own origin name; proxy.origin_address points it at the loopback origin.
const ORIGIN_NAME = 'www.test-publisher.com';
const pageGzip = zlib.gzipSync(readFileSync(FIXTURE));

const origin = http.createServer((_req, res) => {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-encoding': 'gzip',
    'content-length': pageGzip.byteLength,
  });
  res.end(pageGzip);
});
await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
const originPort = (origin.address() as { port: number }).port;

const work = await mkdtemp(join(tmpdir(), 'bench-worker-'));
const workers = new Map<string, RunningWorkerd>();
const cleanup = async () => {
  await Promise.all([...workers.values()].map((worker) => worker.close()));
  await rm(work, { recursive: true, force: true });
  origin.close();
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  for (const engine of ENGINES) {
    const dir = join(work, engine);
    const config = join(work, `${engine}.toml`);
    await writeFile(
      config,
      `[publisher]\ndomain = "bench.example.com"\nhosts = ["127.0.0.1"]\ncookie_domain = ".bench.example.com"\n` +
        `origin_url = "http://${ORIGIN_NAME}"\nproxy_secret = "bench-proxy-secret-0123456789"\n` +
        `[ec]\npassphrase = "bench-ec-passphrase-0123456789abcdef"\n` +
        `[proxy]\norigin_address = "127.0.0.1:${originPort}"\n[logging]\nlevel = "warn"\n` +
        `[integrations.nextjs]\nenabled = ${!values['no-nextjs']}\n` +
        `[cloudflare]\nhtml_engine = "${engine}"\n`,
    );
    const built = await buildWorker({ config, outDir: dir });
    workers.set(engine, await startWorkerd({ ...built, stdio: 'inherit' }));
  }

  // Each engine must really rewrite the page before it is timed.
  for (const [engine, worker] of workers) {
    const response = await fetch(`${worker.url}/`);
    const html = await response.text();
    if (response.status !== 200 || !html.includes('id="trustedserver-js"')) {
      throw new Error(`${engine}: unexpected answer ${response.status}`);
    }
  }

  const load = async (url: string, duration: number) => {
    const result = await autocannon({
      url: `${url}/`,
      connections: Number(values.connections),
      duration,
      headers: { 'accept-encoding': 'gzip' },
    });
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    }
    return result.requests.average;
  };
  for (const worker of workers.values()) await load(worker.url, 2); // warm-up (JIT, pools)

  const rates = new Map<string, number[]>(ENGINES.map((engine) => [engine, []]));
  for (let run = 0; run < Number(values.runs); run++) {
    for (const [engine, worker] of workers) {
      const rate = await load(worker.url, Number(values.duration));
      rates.get(engine)?.push(rate);
      console.log(`  run ${run + 1} ${engine.padEnd(12)} ${rate.toFixed(1)} req/s`);
    }
  }
  const median = (list: number[]) =>
    [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? NaN;
  console.log(
    `\nWorker in workerd, fixture page (${(pageGzip.byteLength / 1024).toFixed(0)} KiB gzip), ` +
      `${values.connections} connections, ${values.duration} s × ${values.runs} runs, ` +
      `nextjs ${values['no-nextjs'] ? 'off' : 'on'} — median req/s:`,
  );
  for (const engine of ENGINES) {
    console.log(
      `  cloudflare.html_engine = "${engine}"  ${median(rates.get(engine) ?? []).toFixed(1)}`,
    );
  }
} finally {
  await cleanup();
}
