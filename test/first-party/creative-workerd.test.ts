/**
 * The creative rewriter in a real workerd, on this project's engine and on the runtime's native
 * lol_html (`cloudflare.html_engine = "htmlrewriter"`): the same creatives give the same bytes as
 * on Node (the same tags and values on lol_html, which re-serialises what it changes), in string
 * and streaming mode, and the same refusals.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build } from 'esbuild';
import { ROOT } from '../../src/build/project-root.ts';
import { compatibilityDate, freePort } from '../../src/build/workerd.ts';
import { rewriteCreativeHtml } from '../../src/core/first-party/creative-rewrite.ts';
import {
  serveWorkerd,
  workerdUnavailable,
  type RunningTestWorker,
} from '../helpers/workerd-process.ts';
import { creativeOptions, startTags } from './creative-helpers.ts';

const CREATIVES = [
  '<div class="ad"><a href="https://cdn.example/landing.html?x=1"><img src="https://cdn.example/a.png" srcset="//cdn.example/a.png 1x, /b.png 2x"></a></div>',
  `<html><head><base href="https://evil.example/"><link rel=stylesheet href="//cdn.example/s.css"></head><body><div style="background:url('https://cdn.example/asset.js?c=3&amp;b=2')">Café</div><style>.x{background:url(https://cdn.example/a.png)}</style></body></html>`,
  '<svg><use xlink:href="https://cdn.example/sprite.svg#i"/><image href="//x.excluded.example/p.png"/></svg><script src="https://cdn.example/lib.js"></script>',
  '<p>ad<script>track()</script><object data="https://cdn.example/o.svg"></object><img src=x onerror=alert(1)></p>',
];
const MALFORMED = ['<img src="https://cdn.example/a.png', '<!-- open', '<script>open'];

async function startWorker(): Promise<RunningTestWorker> {
  const dir = await mkdtemp(join(tmpdir(), 'ts-creative-workerd-'));
  await build({
    entryPoints: [join(ROOT, 'test/first-party/creative-workerd-worker.ts')],
    outfile: join(dir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'warning',
  });
  const port = await freePort();
  await writeFile(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = ${JSON.stringify(await compatibilityDate())},
);
`,
  );
  return serveWorkerd(dir, port);
}

const unavailable = workerdUnavailable();
if (unavailable !== undefined) {
  console.log(`# skipping the creative rewriter in workerd: ${unavailable}`);
} else {
  let running: Promise<RunningTestWorker> | undefined;
  const worker = () => (running ??= startWorker());
  after(async () => {
    if (running !== undefined) await (await running).close();
  });

  async function inWorkerd(
    markup: string,
    mode: 'string' | 'stream',
    engine: 'own' | 'native',
    sanitize: boolean,
  ): Promise<{ out?: string; error?: string }> {
    const response = await fetch((await worker()).url, {
      method: 'POST',
      body: JSON.stringify({ markup, mode, engine, sanitize }),
    });
    return (await response.json()) as { out?: string; error?: string };
  }

  describe('creative rewriting in workerd', () => {
    for (const engine of ['own', 'native'] as const) {
      it(`${engine} engine: the same output as on Node, both modes, with and without the sanitiser`, async () => {
        for (const markup of CREATIVES) {
          for (const sanitize of [false, true]) {
            const expected = await rewriteCreativeHtml(
              markup,
              creativeOptions({ excludeDomains: ['*.excluded.example'], sanitize }),
            );
            for (const mode of ['string', 'stream'] as const) {
              const result = await inWorkerd(markup, mode, engine, sanitize);
              if (engine === 'own')
                assert.deepEqual(result, { out: expected }, `${mode} ${markup}`);
              // lol_html re-serialises a changed self-closing tag as `… />`: same tags, same values.
              else
                assert.deepEqual(
                  startTags(result.out ?? ''),
                  startTags(expected),
                  `${mode} ${markup}`,
                );
            }
          }
        }
      });

      it(`${engine} engine: malformed endings are refused`, async () => {
        for (const markup of MALFORMED) {
          for (const mode of ['string', 'stream'] as const) {
            const result = await inWorkerd(markup, mode, engine, false);
            assert.ok(result.error !== undefined, `${mode} ${markup}: ${result.out}`);
          }
        }
      });
    }
  });
}
