/**
 * `--cold-start`: from spawning the server process to its first 200 on `GET /` (the publisher page,
 * through the origin and the rewriter), median of `--runs` starts. With `--peers`, the plain Node
 * passthrough proxy's start is the floor (Node's own start-up plus one proxied request).
 */
import type { BenchContext } from '../context.ts';
import { median } from '../results.ts';
import { startPassthrough } from '../servers.ts';

export async function coldStart(ctx: BenchContext): Promise<void> {
  const { freshServer, origin } = ctx;
  if (!freshServer || !origin) return;
  const starts = async (
    name: string,
    start: () => Promise<{ startMs: number; stop(): Promise<void> }>,
  ) => {
    const times: number[] = [];
    for (let i = 0; i < ctx.options.runs; i++) {
      const server = await start();
      times.push(server.startMs);
      await server.stop();
    }
    ctx.progress(`  ${name}: ${times.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    ctx.results.add({
      key: `cold-start.${name}`,
      label: `${name}: start → first 200 on /`,
      value: median(times),
      unit: 'ms',
      better: 'lower',
    });
  };
  await starts(ctx.subject.name, () => freshServer('/'));
  if (ctx.options.peers) await starts('node-passthrough', () => startPassthrough(origin.port));
}
