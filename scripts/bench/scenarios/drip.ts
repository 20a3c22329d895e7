/**
 * `--drip`: the origin drips the page (identity 16 KiB / 10 ms; gzip 4 KiB / 10 ms) and the client
 * times *decoded* body bytes: how far the proxy's first and last byte trail the origin's first and
 * last write (the publisher-proxy bars: first ≤ 2 ms, last ≤ 5 ms). Servers are warmed first, as a
 * production server is warm. With `--peers`, the plain passthrough shows what loopback costs anyway.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import type { BenchContext } from '../context.ts';
import { median } from '../results.ts';

function dripOnce(
  base: URL,
  path: string,
  gzip: boolean,
): Promise<{ first: number; last: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(
        new URL(path, base),
        { headers: { 'accept-encoding': gzip ? 'gzip' : 'identity' } },
        (res) => {
          let first = 0;
          let last = 0;
          const decoded =
            res.headers['content-encoding'] === 'gzip' ? res.pipe(zlib.createGunzip()) : res;
          decoded.on('data', () => {
            last = performance.now();
            if (first === 0) first = last;
          });
          decoded.on('end', () => resolve({ first, last }));
          decoded.on('error', reject);
        },
      )
      .on('error', reject);
  });
}

async function warm(base: URL): Promise<void> {
  for (let i = 0; i < 30; i++) await dripOnce(base, '/', true);
}

export async function drip(ctx: BenchContext): Promise<void> {
  const origin = ctx.origin;
  if (!origin) return;
  const servers = [ctx.subject, ...ctx.peers.filter((peer) => peer.name === 'node-passthrough')];
  for (const server of servers) await warm(server.url);
  for (const [coding, path, gzip] of [
    ['identity', '/drip', false],
    ['gzip', '/drip-gzip', true],
  ] as const) {
    for (const server of servers) {
      const firsts: number[] = [];
      const lasts: number[] = [];
      for (let i = 0; i < ctx.options.runs; i++) {
        const { first, last } = await dripOnce(server.url, path, gzip);
        firsts.push(first - origin.lastDrip.first);
        lasts.push(last - origin.lastDrip.last);
      }
      ctx.progress(
        `  ${server.name}, ${coding}: first +${median(firsts).toFixed(2)} ms, last +${median(lasts).toFixed(2)} ms`,
      );
      for (const [edge, values] of [
        ['first', firsts],
        ['last', lasts],
      ] as const) {
        ctx.results.add({
          key: `drip.${server.name}.${coding}.${edge}`,
          label: `${server.name}: ${edge} byte after the origin's (${coding} drip)`,
          value: median(values),
          unit: 'ms',
          better: 'lower',
          ...(server === ctx.subject
            ? { bar: { op: '<=' as const, value: edge === 'first' ? 2 : 5 } }
            : {}),
        });
      }
    }
  }
}
