/**
 * `--ec`: what the Edge Cookie costs the page path. Two `serve` processes on one bench origin (the
 * fixture page; the demo article where ../shared is absent), the same `[geo]` (fixed, Germany: a
 * GDPR reader) and the same requests; one has the identity graph (`[ec] ec_store`, a SQLite file),
 * the other has EC off (no graph: nothing is minted, nothing written).
 *
 * 1. Returning readers: a browser navigation with a TC string granting purpose 1 and a valid
 *    `ts-ec` cookie whose entry exists, under load (autocannon, `--connections`, `--duration`).
 *    Requests/s EC on ÷ EC off, the median of the per-round ratios. Bar: ≥ 0.95. Beside it the
 *    same in server CPU per request (off ÷ on: above 1 when EC on costs less), steadier on a
 *    shared machine.
 * 2. Minting: the same navigation without `ts-ec`, so every request mints an ID and creates its
 *    SQLite entry before the response headers go out, against the returning one, one at a time on
 *    one keep-alive connection, alternating, after 20 discarded pairs. The added p50 (minting −
 *    returning, response complete), the median over rounds. Bar: < 0.5 ms. The same on the
 *    origin's small page shows the fixed part. More is added with the fixture page: the
 *    response (and so the reading of the origin's body) waits for the mint, which then competes
 *    with that body's arrival for the one thread.
 *
 * Rounds are interleaved (on, off, on, off …) so a noisy machine's slow stretches hit both; at
 * least 3 of them whatever `--rounds` says.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeTc } from '../../../test/consent/helpers.ts';
import type { BenchBase, Endpoint } from '../context.ts';
import { loadRun, type LoadResult } from '../load-run.ts';
import { startBenchOrigin } from '../origin.ts';
import { median } from '../results.ts';
import { startTrustedServer, type ConfigExtras, type RunningServer } from '../servers.ts';
import { renderTable } from '../table.ts';

/** Navigations per kind (minting, returning) per round: this many times `--requests` (200). */
const SEQUENTIAL_PER_REQUEST = 10;
const MIN_ROUNDS = 3;
const WARM_UP_PAIRS = 20;

const NAVIGATION = {
  'user-agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
};
const GEO = ['[geo]', 'mode = "fixed"', 'country = "DE"'];

interface Navigation {
  totalMs: number;
  /** The response's `Set-Cookie` lines. */
  cookies: string[];
}

/** One navigation on a keep-alive agent: time to the last body byte. */
function navigate(
  agent: http.Agent,
  url: URL,
  headers: Record<string, string>,
): Promise<Navigation> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http
      .get(url, { agent, headers }, (response) => {
        response.resume();
        response.on('end', () =>
          resolve({
            totalMs: performance.now() - started,
            cookies: response.headers['set-cookie'] ?? [],
          }),
        );
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * p50s of minting and returning navigations to `url`, alternating one of each, `pairs` times
 * after {@link WARM_UP_PAIRS} discarded (the load run before leaves garbage to collect).
 */
async function mintingVsReturning(
  agent: http.Agent,
  url: URL,
  pairs: number,
  headers: { minting: Record<string, string>; returning: Record<string, string> },
): Promise<{ mint: number; return: number }> {
  const mintMs: number[] = [];
  const returnMs: number[] = [];
  for (let i = 0; i < WARM_UP_PAIRS + pairs; i++) {
    const minted = await navigate(agent, url, headers.minting);
    const kept = await navigate(agent, url, headers.returning);
    if (minted.cookies.length !== 1 || kept.cookies.length !== 0) {
      throw new Error('a minting navigation got no cookie, or a returning one got one');
    }
    if (i < WARM_UP_PAIRS) continue;
    mintMs.push(minted.totalMs);
    returnMs.push(kept.totalMs);
  }
  return { mint: median(mintMs), return: median(returnMs) };
}

export async function ec(ctx: BenchBase): Promise<void> {
  const rounds = Math.max(MIN_ROUNDS, ctx.options.rounds);
  const { connections, duration } = ctx.options;
  const sequential = ctx.options.requests * SEQUENTIAL_PER_REQUEST;
  const origin = await startBenchOrigin();
  ctx.progress(`  origin: ${origin.pageName}, ${(origin.pageBytes / 1024).toFixed(0)} KiB`);
  const dir = mkdtempSync(join(tmpdir(), 'ts-bench-ec-'));
  const servers: RunningServer[] = [];
  const start = async (extras: ConfigExtras) => {
    const server = await startTrustedServer(origin.port, false, '/health', [], undefined, extras);
    servers.push(server);
    return server;
  };
  try {
    const on = await start({
      tag: 'ec-on',
      ec: ['ec_store = "identity"'],
      tables: [
        '[store]',
        `path = "${join(dir, 'ec.db')}"`,
        ...GEO,
        // `ec_store` routes /_ts/admin/ec…, which must sit behind a handler.
        '[[handlers]]',
        'path = "^/_ts/admin"',
        'username = "admin"',
        'password = "bench-admin-password-0123456789"',
      ],
    });
    const off = await start({ tag: 'ec-off', tables: GEO });

    const tc = encodeTc({ purposes: [1, 2, 3, 4, 7, 9, 10], vendors: [1, 2, 3, 4, 5] });
    const minting = {
      ...NAVIGATION,
      'accept-encoding': ctx.options.acceptEncoding,
      cookie: `euconsent-v2=${tc}`,
    };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // A returning reader's ID: minted once, so its entry exists in the graph.
    const first = await navigate(agent, on.url, minting);
    const id = /^ts-ec=([^;]+);/.exec(first.cookies[0] ?? '')?.[1];
    if (id === undefined) {
      throw new Error(`the EC-on server minted no ID:\n${on.output()}`);
    }
    const returning = { ...minting, cookie: `ts-ec=${id}; euconsent-v2=${tc}` };
    const page: Endpoint = { name: 'page', path: '/', method: 'GET', headers: returning };

    const loads: Record<'on' | 'off', LoadResult[]> = { on: [], off: [] };
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const added: number[] = [];
    const smallAdded: number[] = [];
    const p50s: Record<'mint' | 'return', number[]> = { mint: [], return: [] };
    for (let round = 1; round <= rounds; round++) {
      for (const [name, server] of [
        ['on', on],
        ['off', off],
      ] as const) {
        ctx.progress(
          `  round ${round}/${rounds}: returning readers, EC ${name}: ${connections} connections, ${duration} s …`,
        );
        loads[name].push(await loadRun(server.url, page, connections, duration, server.pid));
      }
      const onRps = loads.on.at(-1)?.rps ?? Number.NaN;
      const offRps = loads.off.at(-1)?.rps ?? Number.NaN;
      ratios.push(onRps / offRps);
      // The same comparison in server CPU per request, which a noisy machine moves far less.
      const cpuOf = (results: LoadResult[]) => results.at(-1)?.cpuMs ?? Number.NaN;
      cpuRatios.push(cpuOf(loads.off) / cpuOf(loads.on));

      ctx.progress(
        `  round ${round}/${rounds}: ${sequential} minting and ${sequential} returning navigations, alternating, on / and /small …`,
      );
      const fixture = await mintingVsReturning(agent, new URL('/', on.url), sequential, {
        minting,
        returning,
      });
      p50s.mint.push(fixture.mint);
      p50s.return.push(fixture.return);
      added.push(fixture.mint - fixture.return);
      const small = await mintingVsReturning(agent, new URL('/small', on.url), sequential, {
        minting,
        returning,
      });
      smallAdded.push(small.mint - small.return);
      ctx.progress(
        `    EC on ${onRps.toFixed(0)} req/s, off ${offRps.toFixed(0)} req/s (${(onRps / offRps).toFixed(3)}); p50 minting ${fixture.mint.toFixed(3)} ms, returning ${fixture.return.toFixed(3)} ms; small page +${(small.mint - small.return).toFixed(3)} ms`,
      );
    }
    agent.destroy();
    report(ctx, { loads, ratios, cpuRatios, added, smallAdded, p50s, rounds });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    origin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(
  ctx: BenchBase,
  measured: {
    loads: Record<'on' | 'off', LoadResult[]>;
    ratios: number[];
    cpuRatios: number[];
    added: number[];
    smallAdded: number[];
    p50s: Record<'mint' | 'return', number[]>;
    rounds: number;
  },
): void {
  const { loads, ratios, cpuRatios, added, smallAdded, p50s, rounds } = measured;
  const of = (results: LoadResult[], field: keyof LoadResult) =>
    median(results.map((result) => result[field]));
  for (const name of ['on', 'off'] as const) {
    ctx.results.add({
      key: `ec.returning.${name}.rps`,
      label: `EC ${name}: returning reader's page  requests/s`,
      value: of(loads[name], 'rps'),
      unit: 'req/s',
      better: 'higher',
    });
    ctx.results.add({
      key: `ec.returning.${name}.p50`,
      label: `EC ${name}: returning reader's page  p50`,
      value: of(loads[name], 'p50'),
      unit: 'ms',
      better: 'lower',
    });
    ctx.results.add({
      key: `ec.returning.${name}.cpu`,
      label: `EC ${name}: returning reader's page  server CPU per request`,
      value: of(loads[name], 'cpuMs'),
      unit: 'ms',
      better: 'lower',
    });
  }
  ctx.results.add({
    key: 'ec.returning.ratio',
    label: 'EC on / off: returning reader requests/s (median of rounds)',
    value: median(ratios),
    unit: '×',
    better: 'higher',
    bar: { op: '>=', value: 0.95 },
  });
  ctx.results.add({
    key: 'ec.returning.cpu-ratio',
    label: 'EC off / on: returning reader server CPU per request (median of rounds)',
    value: median(cpuRatios),
    unit: '×',
    better: 'higher',
  });
  ctx.results.add({
    key: 'ec.mint.p50',
    label: 'minting navigation p50 (SQLite, sequential)',
    value: median(p50s.mint),
    unit: 'ms',
    better: 'lower',
  });
  ctx.results.add({
    key: 'ec.return.p50',
    label: 'returning navigation p50 (sequential)',
    value: median(p50s.return),
    unit: 'ms',
    better: 'lower',
  });
  ctx.results.add({
    key: 'ec.mint.added-p50',
    label: 'minting − returning p50 (median of rounds)',
    value: median(added),
    unit: 'ms',
    better: 'lower',
    bar: { op: '<', value: 0.5 },
  });
  ctx.results.add({
    key: 'ec.mint.small.added-p50',
    label: 'minting − returning p50, small page (median of rounds)',
    value: median(smallAdded),
    unit: 'ms',
    better: 'lower',
  });
  const rows = Array.from({ length: rounds }, (_, index) => [
    String(index + 1),
    (loads.on[index]?.rps ?? Number.NaN).toFixed(0),
    (loads.off[index]?.rps ?? Number.NaN).toFixed(0),
    (ratios[index] ?? Number.NaN).toFixed(3),
    (cpuRatios[index] ?? Number.NaN).toFixed(3),
    (p50s.mint[index] ?? Number.NaN).toFixed(3),
    (p50s.return[index] ?? Number.NaN).toFixed(3),
    (added[index] ?? Number.NaN).toFixed(3),
    (smallAdded[index] ?? Number.NaN).toFixed(3),
  ]);
  rows.push([
    'median',
    of(loads.on, 'rps').toFixed(0),
    of(loads.off, 'rps').toFixed(0),
    median(ratios).toFixed(3),
    median(cpuRatios).toFixed(3),
    median(p50s.mint).toFixed(3),
    median(p50s.return).toFixed(3),
    median(added).toFixed(3),
    median(smallAdded).toFixed(3),
  ]);
  ctx.progress(
    `\n${renderTable(
      [
        'round',
        'EC on req/s',
        'EC off req/s',
        'on / off',
        'CPU off / on',
        'mint p50 ms',
        'return p50 ms',
        'added ms',
        'small: added ms',
      ],
      rows,
    )}\n`,
  );
}
