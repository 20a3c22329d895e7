/**
 * `npm run bench:html` — the HTML engine against its peers, in one run, on one machine.
 *
 * Rewrites ../shared/fixtures/publisher-page.html with the publisher rule set (origin URLs in
 * `href`, `src`, `action`, `srcset`, `imagesrcset` of every element become first-party; a
 * `<script>` is injected at the start of the first `<head>`) in 8 KiB chunks, with:
 *   - this project's engine (src/core/html),
 *   - html-rewriter-wasm (lol_html compiled to WebAssembly; Cloudflare's HTMLRewriter API),
 *   - parse5-html-rewriting-stream (a spec-compliant parser re-serialising tags).
 * Prints MB/s (median of rounds), ratios, and checks all three rewrote exactly the same URLs.
 * This engine runs twice: as on Node (long byte searches through Buffer's memchr, which the Node
 * adapter installs) and with the standard `Uint8Array.indexOf` only (as on the edges).
 *
 *   npm run bench:html -- [--rounds 15] [--seconds-per-round 0.3] [--file path.html]
 */
import { readFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { HTMLRewriter as WasmRewriter } from 'html-rewriter-wasm';
import { RewritingStream } from 'parse5-html-rewriting-stream';
import { HtmlRewriter } from '../src/core/html/index.ts';
import { useBytePrimitives } from '../src/core/bytes/byte-primitives.ts';
import { nodeBytePrimitives } from '../src/node/byte-primitives.ts';

const { values } = parseArgs({
  args: isMainThread ? process.argv.slice(2) : (workerData as { args: string[] }).args,
  options: {
    rounds: { type: 'string', default: '15' },
    'seconds-per-round': { type: 'string', default: '0.3' },
    file: { type: 'string' },
  },
});
const FIXTURE =
  values.file ??
  fileURLToPath(new URL('../../shared/fixtures/publisher-page.html', import.meta.url));
if (!existsSync(FIXTURE)) {
  console.log(`bench:html skipped: ${FIXTURE} not found (needs ../shared/fixtures)`);
  process.exit(0);
}

const ORIGIN = 'https://www.test-publisher.com';
const FIRST_PARTY = 'https://edge.example.com';
const ATTRIBUTES = ['href', 'src', 'action', 'srcset', 'imagesrcset'];
const INJECT =
  '<script src="/static/tsjs=tsjs-unified.min.js?v=0123456789abcdef" id="trustedserver-js"></script>';
const CHUNK = 8192;

const page = new Uint8Array(readFileSync(FIXTURE));
const chunks: Uint8Array[] = [];
for (let i = 0; i < page.byteLength; i += CHUNK) chunks.push(page.subarray(i, i + CHUNK));
const pageText = new TextDecoder().decode(page);
const textChunks: string[] = [];
for (let i = 0; i < pageText.length; i += CHUNK) textChunks.push(pageText.slice(i, i + CHUNK));

const rewriteUrl = (value: string) =>
  value.includes(ORIGIN) ? value.replaceAll(ORIGIN, FIRST_PARTY) : value;

type Sink = (chunk: Uint8Array | string) => void;
type Engine = (sink: Sink) => Promise<void> | void;

/** This project's engine. */
const ours: Engine = (sink) => {
  let injected = false;
  const rewriter = new HtmlRewriter({ output: sink });
  // The engine's URL-rewriting API: the same rule as an element handler per attribute.
  for (const name of ATTRIBUTES) rewriter.rewriteAttribute(name, rewriteUrl);
  rewriter.on('head', {
    element: (el) => {
      if (injected) return;
      injected = true;
      el.prepend(INJECT);
    },
  });
  for (const chunk of chunks) void rewriter.write(chunk);
  void rewriter.end();
};

/** lol_html, compiled to WebAssembly, behind Cloudflare's HTMLRewriter API. */
const lolHtml: Engine = async (sink) => {
  let injected = false;
  const rewriter = new WasmRewriter((chunk: Uint8Array) => sink(chunk));
  for (const name of ATTRIBUTES) {
    rewriter.on(`[${name}]`, {
      element: (el) => {
        const value = el.getAttribute(name) as string;
        const next = rewriteUrl(value);
        if (next !== value) el.setAttribute(name, next);
      },
    });
  }
  rewriter.on('head', {
    element: (el) => {
      if (injected) return;
      injected = true;
      el.prepend(INJECT, { html: true });
    },
  });
  try {
    for (const chunk of chunks) await rewriter.write(chunk);
    await rewriter.end();
  } finally {
    rewriter.free();
  }
};

/** parse5's rewriting stream (string chunks; start tags re-serialised as its docs show). */
const parse5: Engine = (sink) =>
  new Promise<void>((resolve, reject) => {
    let injected = false;
    const stream = new RewritingStream();
    stream.on('startTag', (tag) => {
      for (const attr of tag.attrs)
        if (ATTRIBUTES.includes(attr.name)) attr.value = rewriteUrl(attr.value);
      stream.emitStartTag(tag);
      if (tag.tagName === 'head' && !injected) {
        injected = true;
        stream.emitRaw(INJECT);
      }
    });
    stream.on('data', (text: string) => sink(text));
    stream.on('end', () => resolve());
    stream.on('error', reject);
    for (const chunk of textChunks) stream.write(chunk);
    stream.end();
  });

async function outputOf(engine: Engine): Promise<string> {
  const parts: string[] = [];
  const decoder = new TextDecoder();
  await engine(
    (chunk) =>
      void parts.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })),
  );
  return parts.join('');
}

/** The first-party URLs an output contains, entity-decoded (parse5 re-escapes `&`). */
function rewrittenUrls(html: string): string[] {
  const escaped = FIRST_PARTY.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return (html.match(new RegExp(`${escaped}[^"'\\s>,]*`, 'g')) ?? []).map((url) =>
    url.replaceAll('&amp;', '&'),
  );
}

let sunk = 0;
const countingSink: Sink = (chunk) => void (sunk += chunk.length);

/** One round: how many MB/s `engine` sustains for `seconds`. */
async function rate(engine: Engine, seconds: number): Promise<number> {
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    await engine(countingSink);
    iterations++;
    elapsed = performance.now() - start;
  }
  return (iterations * page.byteLength) / 1e6 / (elapsed / 1000);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const rounds = Number(values.rounds);
const secondsPerRound = Number(values['seconds-per-round']);
const ENGINES = { oursNode: ours, ours, lolHtml, parse5 } as const;
type EngineName = keyof typeof ENGINES;

if (!isMainThread) {
  // A measuring worker: one engine, its own heap, so no engine pays for another's garbage.
  const name = (workerData as { engine: EngineName }).engine;
  // As createApp applies the Node services' primitives (only the search matters to the engine).
  if (name === 'oursNode') useBytePrimitives({ search: nodeBytePrimitives.search });
  const engine = ENGINES[name];
  for (let i = 0; i < 5; i++) await engine(countingSink); // warm-up
  parentPort?.on('message', (message: 'round' | 'stop') => {
    if (message === 'stop') return parentPort?.close();
    void rate(engine, secondsPerRound).then((value) => parentPort?.postMessage(value));
  });
  parentPort?.postMessage('ready');
} else {
  await main();
}

async function main(): Promise<void> {
  console.log(`bench:html — ${FIXTURE}`);
  console.log(
    `${(page.byteLength / 1024).toFixed(0)} KiB page, ${CHUNK}-byte chunks, ${rounds} rounds × ${secondsPerRound}s, Node ${process.version}, each engine in its own worker thread\n`,
  );
  const outputs = {
    ours: await outputOf(ours),
    lol_html: await outputOf(lolHtml),
    parse5: await outputOf(parse5),
  };
  const urls = Object.fromEntries(
    Object.entries(outputs).map(([name, html]) => [name, rewrittenUrls(html)]),
  );
  const agree =
    JSON.stringify(urls['ours']) === JSON.stringify(urls['lol_html']) &&
    JSON.stringify(urls['ours']) === JSON.stringify(urls['parse5']);
  const injectedOnce = Object.values(outputs).every((html) => html.split(INJECT).length === 2);

  const names: Array<[string, EngineName]> = [
    ['this engine (Node)', 'oursNode'],
    ['html-rewriter-wasm (lol_html)', 'lolHtml'],
    ['parse5-html-rewriting-stream', 'parse5'],
    ['this engine, standard indexOf only', 'ours'],
  ];
  const workers = await Promise.all(
    names.map(
      ([, engine]) =>
        new Promise<Worker>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), {
            workerData: { engine, args: process.argv.slice(2) },
          });
          worker.once('message', () => resolve(worker));
          worker.once('error', reject);
        }),
    ),
  );
  const ask = (worker: Worker) =>
    new Promise<number>((resolve) => {
      worker.once('message', (value: number) => resolve(value));
      worker.postMessage('round');
    });
  // Rounds interleave the engines, so the shared machine's noise hits all three alike; ratios
  // are taken per round, then their median.
  const rates: number[][] = names.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, worker] of workers.entries()) rates[index]?.push(await ask(worker));
  }
  for (const worker of workers) await worker.terminate();
  for (const [index, [name]] of names.entries()) {
    const list = rates[index] as number[];
    console.log(
      `  ${name.padEnd(36)} median ${median(list).toFixed(1).padStart(8)} MB/s   (min ${Math.min(...list).toFixed(1)}, max ${Math.max(...list).toFixed(1)})`,
    );
  }
  const perRound = (a: number, b: number) =>
    (rates[a] as number[]).map((value, round) => value / ((rates[b] as number[])[round] as number));
  console.log(
    `\n  ratio this engine / lol_html-wasm : ${median(perRound(0, 1)).toFixed(2)}× (median of per-round ratios; bar: ≥ 4×)`,
  );
  console.log(`  ratio this engine / parse5         : ${median(perRound(0, 2)).toFixed(2)}×`);
  console.log(
    `  ratio standard-indexOf engine / lol_html-wasm : ${median(perRound(3, 1)).toFixed(2)}× (the engine as the edges run it)`,
  );
  console.log(
    `\n  rewritten URLs: ${urls['ours']?.length} (this engine), ${urls['lol_html']?.length} (lol_html), ${urls['parse5']?.length} (parse5) — ${agree ? 'identical in all three' : 'DIFFERENT'}`,
  );
  console.log(
    `  script injected exactly once at <head>: ${injectedOnce ? 'yes, in all three' : 'NO'}`,
  );
  if (!agree || !injectedOnce) process.exitCode = 1;
}
