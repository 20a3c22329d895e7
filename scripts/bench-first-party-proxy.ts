/**
 * `node scripts/bench-first-party-proxy.ts` — what `/first-party/proxy` adds to fetching a
 * creative: the same 4 KB image fetched straight from a loopback host and through the real Node
 * server (signed URL verified, target checked, curated request, filtered response), one request
 * at a time on kept-alive connections. Prints p50/p99 of each and of the difference.
 *
 *   node scripts/bench-first-party-proxy.ts [--requests 3000]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { signTarget } from '../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../src/core/first-party/token.ts';
import { silentLogger } from '../src/core/log.ts';
import { loadSettings } from '../src/core/settings/load-settings.ts';
import { Secret } from '../src/core/settings/secret.ts';
import { createMemoryKv } from '../src/core/store/memory-kv.ts';
import { startNodeServer } from '../src/node/server.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '3000' } } });
const requests = Number(values.requests);
const SECRET = 'bench-proxy-secret-0123456789abcdef';
const IMAGE = Buffer.alloc(4096, 7);

const host = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': IMAGE.length });
  res.end(IMAGE);
});
await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
const hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;

const settings = loadSettings(
  `[publisher]
domain = "www.publisher.test"
hosts = ["127.0.0.1"]
cookie_domain = ".publisher.test"
origin_url = "http://127.0.0.1:9"
proxy_secret = "${SECRET}"
[ec]
passphrase = "bench-passphrase-0123456789abcdef0123"
[proxy]
allow_private_targets = true
[logging]
level = "error"
`,
  { source: 'bench.toml', env: {} },
);
const server = await startNodeServer({
  settings,
  log: silentLogger,
  host: '127.0.0.1',
  port: 0,
  kv: createMemoryKv(),
});
const signer = createProxyTokenSigner(new Secret(SECRET));
const proxied = `${server.url}${(await signTarget(signer, `${hostUrl}/creative/banner.png?cb=1`))?.href}`;
const direct = `${hostUrl}/creative/banner.png?cb=1`;
const agent = new Agent({ keepAliveTimeout: 10_000 });

async function timings(url: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < requests; i++) {
    const start = performance.now();
    const response = await request(url, { dispatcher: agent });
    await response.body.arrayBuffer();
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode}`);
    out.push(performance.now() - start);
  }
  return out.sort((a, b) => a - b);
}

const at = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
await timings(direct); // warm-up, both paths
await timings(proxied);
const directMs = await timings(direct);
const proxiedMs = await timings(proxied);
const row = (name: string, sorted: number[]) =>
  `${name.padEnd(22)} p50 ${at(sorted, 0.5).toFixed(3)} ms   p99 ${at(sorted, 0.99).toFixed(3)} ms`;
console.log(`first-party proxy, ${requests} sequential GETs of a 4 KB image on loopback`);
console.log(row('direct', directMs));
console.log(row('via /first-party/proxy', proxiedMs));
console.log(
  `added                  p50 ${(at(proxiedMs, 0.5) - at(directMs, 0.5)).toFixed(3)} ms   p99 ${(at(proxiedMs, 0.99) - at(directMs, 0.99)).toFixed(3)} ms`,
);
await agent.close();
await server.close();
host.close();
