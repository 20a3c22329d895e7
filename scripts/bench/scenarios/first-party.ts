/**
 * `--first-party`: what the first-party creative proxy adds to a creative's fetch. A creative host
 * on loopback serves an image (32 KiB, passed through) and an HTML creative (~20 KB with 30 asset
 * URLs, rewritten: each URL signed, the runtime injected); a `serve` process with
 * `proxy.allow_private_targets` on (the host is loopback http) proxies them. Each creative is
 * fetched directly and through `/first-party/proxy?tsurl=…&tstoken=…`, one at a time on
 * keep-alive connections, alternating direct and proxied, after discarded warm-up pairs; time to
 * the last body byte. Reported: p50 and p99 of each and the added p50/p99 (proxied − direct), the
 * median over at least 3 rounds.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signUrl } from '../../../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../../../src/core/first-party/token.ts';
import { Secret } from '../../../src/core/settings/secret.ts';
import type { BenchBase } from '../context.ts';
import { startBenchOrigin } from '../origin.ts';
import { median } from '../results.ts';
import { startTrustedServer, type RunningServer } from '../servers.ts';
import { renderTable } from '../table.ts';

/** The bench config's `publisher.proxy_secret` (scripts/bench/servers.ts). */
const PROXY_SECRET = 'bench-proxy-secret-0123456789';
const MIN_ROUNDS = 3;
const WARM_UP_PAIRS = 30;
/** Fetches per kind (direct, proxied) per round: this many times `--requests` (200). */
const FETCHES_PER_REQUEST = 10;

const IMAGE = new Uint8Array(32 * 1024).map((_, i) => (i * 2654435761) >>> 24);

/** A display ad as ad servers write them: nested tables, tracking pixels, a click-through. */
function creativeHtml(host: string): string {
  const assets = Array.from(
    { length: 30 },
    (_, i) =>
      `<div class="slot-${i}"><img src="http://${host}/assets/${i}.png?cb=83746291&amp;w=300" width="300" height="250" alt="ad ${i}">` +
      `<a href="http://${host}/click/${i}?campaign=spring&amp;crid=${1000 + i}">Shop the spring collection, item ${i}</a></div>`,
  ).join('\n');
  const filler =
    '<p>' + 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(4) + '</p>';
  return `<!doctype html><html><head><meta charset="utf-8"><style>.slot{background:url(http://${host}/bg.png)}</style></head><body>\n${assets}\n${filler.repeat(40)}\n<script src="http://${host}/impression.js"></script></body></html>`;
}

interface Fetched {
  ms: number;
  status: number;
}

function get(agent: http.Agent, url: URL): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http
      .get(url, { agent, headers: { accept: '*/*', 'user-agent': 'bench' } }, (response) => {
        response.resume();
        response.on('end', () =>
          resolve({ ms: performance.now() - started, status: response.statusCode ?? 0 }),
        );
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function startCreativeHost(): Promise<{ host: string; close(): void }> {
  let html = '';
  const server = http.createServer((request, response) => {
    if (request.url?.startsWith('/banner.jpg')) {
      response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': IMAGE.byteLength });
      response.end(IMAGE);
    } else if (request.url?.startsWith('/creative.html')) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(html);
    } else {
      response.writeHead(404).end();
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  html = creativeHtml(host);
  return { host, close: () => server.close() };
}

export async function firstParty(ctx: BenchBase): Promise<void> {
  const rounds = Math.max(MIN_ROUNDS, ctx.options.rounds);
  const fetches = ctx.options.requests * FETCHES_PER_REQUEST;
  const origin = await startBenchOrigin();
  const creative = await startCreativeHost();
  let server: RunningServer | undefined;
  try {
    server = await startTrustedServer(origin.port, false, '/health', [], undefined, {
      tag: 'first-party',
      proxy: ['allow_private_targets = true'],
    });
    const signer = createProxyTokenSigner(new Secret(PROXY_SECRET));
    const agents = {
      direct: new http.Agent({ keepAlive: true, maxSockets: 1 }),
      proxied: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    };
    const rows: string[][] = [];
    for (const [name, path] of [
      ['image (32 KiB, passed through)', '/banner.jpg'],
      ['HTML creative (rewritten)', '/creative.html'],
    ] as const) {
      const direct = new URL(`http://${creative.host}${path}`);
      const proxied = new URL(await signUrl(signer, direct.href), server.url);
      const first = await get(agents.proxied, proxied);
      if (first.status !== 200) {
        throw new Error(`the proxied ${path} answered ${first.status}:\n${server.output()}`);
      }
      const p50: Record<'direct' | 'proxied' | 'added', number[]> = {
        direct: [],
        proxied: [],
        added: [],
      };
      const p99: Record<'direct' | 'proxied' | 'added', number[]> = {
        direct: [],
        proxied: [],
        added: [],
      };
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(
          `  round ${round}/${rounds}: ${name}, ${fetches} direct and proxied, alternating …`,
        );
        const times = { direct: [] as number[], proxied: [] as number[] };
        for (let i = 0; i < WARM_UP_PAIRS + fetches; i++) {
          const a = await get(agents.direct, direct);
          const b = await get(agents.proxied, proxied);
          if (a.status !== 200 || b.status !== 200) {
            throw new Error(`status ${a.status} direct, ${b.status} proxied for ${path}`);
          }
          if (i < WARM_UP_PAIRS) continue;
          times.direct.push(a.ms);
          times.proxied.push(b.ms);
        }
        for (const kind of ['direct', 'proxied'] as const) {
          p50[kind].push(quantile(times[kind], 0.5));
          p99[kind].push(quantile(times[kind], 0.99));
        }
        p50.added.push(quantile(times.proxied, 0.5) - quantile(times.direct, 0.5));
        p99.added.push(quantile(times.proxied, 0.99) - quantile(times.direct, 0.99));
        ctx.progress(
          `    p50 direct ${p50.direct.at(-1)?.toFixed(3)} ms, proxied ${p50.proxied.at(-1)?.toFixed(3)} ms; p99 direct ${p99.direct.at(-1)?.toFixed(3)} ms, proxied ${p99.proxied.at(-1)?.toFixed(3)} ms`,
        );
      }
      const key = path.includes('html') ? 'html' : 'image';
      for (const [quant, values] of [
        ['p50', p50],
        ['p99', p99],
      ] as const) {
        ctx.results.add({
          key: `first-party.${key}.${quant}.direct`,
          label: `${name}: direct fetch  ${quant}`,
          value: median(values.direct),
          unit: 'ms',
          better: 'lower',
        });
        ctx.results.add({
          key: `first-party.${key}.${quant}.proxied`,
          label: `${name}: through /first-party/proxy  ${quant}`,
          value: median(values.proxied),
          unit: 'ms',
          better: 'lower',
        });
        ctx.results.add({
          key: `first-party.${key}.${quant}.added`,
          label: `${name}: added by the proxy  ${quant} (median of rounds)`,
          value: median(values.added),
          unit: 'ms',
          better: 'lower',
        });
      }
      rows.push([
        name,
        median(p50.direct).toFixed(3),
        median(p50.proxied).toFixed(3),
        median(p50.added).toFixed(3),
        median(p99.direct).toFixed(3),
        median(p99.proxied).toFixed(3),
        median(p99.added).toFixed(3),
      ]);
    }
    agents.direct.destroy();
    agents.proxied.destroy();
    ctx.progress(
      `\n${renderTable(
        [
          'creative',
          'direct p50',
          'proxied p50',
          'added p50',
          'direct p99',
          'proxied p99',
          'added p99',
        ],
        rows,
      )}\n(ms, time to the last body byte; medians over ${rounds} rounds)\n`,
    );
  } finally {
    await server?.stop();
    creative.close();
    origin.close();
  }
}
