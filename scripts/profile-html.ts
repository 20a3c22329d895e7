/**
 * `npm run profile:html` — where the HTML engine's time goes on the fixture page, with the
 * benchmark's rule set. Samples with V8's CPU profiler (node:inspector) over repeated rewrites and
 * prints self time per function, grouped by file, plus the file's share of the total.
 *
 *   npm run profile:html -- [--seconds 3] [--file path.html] [--out profile.cpuprofile]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HtmlRewriter } from '../src/core/html/index.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    file: { type: 'string' },
    out: { type: 'string' },
  },
});
const FIXTURE =
  values.file ??
  fileURLToPath(new URL('../../shared/fixtures/publisher-page.html', import.meta.url));
if (!existsSync(FIXTURE)) {
  console.log(`profile:html skipped: ${FIXTURE} not found (needs ../shared/fixtures)`);
  process.exit(0);
}
const page = new Uint8Array(readFileSync(FIXTURE));
const chunks: Uint8Array[] = [];
for (let i = 0; i < page.byteLength; i += 8192) chunks.push(page.subarray(i, i + 8192));
const ORIGIN = 'https://www.test-publisher.com';
const rewriteUrl = (value: string) =>
  value.includes(ORIGIN) ? value.replaceAll(ORIGIN, 'https://edge.example.com') : value;

function rewriteOnce(): void {
  let injected = false;
  const rewriter = new HtmlRewriter({ output: () => {} });
  for (const name of ['href', 'src', 'action', 'srcset', 'imagesrcset'])
    rewriter.rewriteAttribute(name, rewriteUrl);
  rewriter.on('head', {
    element: (el) => {
      if (!injected) {
        injected = true;
        el.prepend(
          '<script src="/static/tsjs=tsjs-unified.min.js" id="trustedserver-js"></script>',
        );
      }
    },
  });
  for (const chunk of chunks) void rewriter.write(chunk);
  void rewriter.end();
}

for (let i = 0; i < 200; i++) rewriteOnce(); // warm up the JIT first
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
let runs = 0;
const started = performance.now();
while (performance.now() - started < Number(values.seconds) * 1000) {
  rewriteOnce();
  runs++;
}
const elapsed = performance.now() - started;
const { profile } = await session.post('Profiler.stop');
session.disconnect();
if (values.out) writeFileSync(values.out, JSON.stringify(profile));

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const nodes = new Map<number, Node>((profile.nodes as Node[]).map((node) => [node.id, node]));
const self = new Map<string, number>();
const byFile = new Map<string, number>();
const samples = profile.samples ?? [];
const deltas = profile.timeDeltas ?? [];
samples.forEach((id, index) => {
  const frame = nodes.get(id)?.callFrame;
  const file = frame?.url
    ? (frame.url.split('/').pop() ?? '')
    : `(${frame?.functionName || 'native'})`;
  const key = `${frame?.functionName || '(anonymous)'} ${file}${frame?.url ? `:${(frame.lineNumber ?? 0) + 1}` : ''}`;
  const delta = deltas[index] ?? 0;
  self.set(key, (self.get(key) ?? 0) + delta);
  byFile.set(file, (byFile.get(file) ?? 0) + delta);
});
const total = [...self.values()].reduce((sum, value) => sum + value, 0);
const perPage = elapsed / runs;
console.log(
  `profile:html — ${runs} rewrites of ${(page.byteLength / 1024).toFixed(0)} KiB, ${perPage.toFixed(3)} ms each (${(page.byteLength / 1e3 / perPage).toFixed(0)} MB/s) while sampling\n`,
);
console.log('self time by function (top 15):');
for (const [key, value] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(`  ${((100 * value) / total).toFixed(1).padStart(5)}%  ${key}`);
}
console.log('\nself time by file:');
for (const [file, value] of [...byFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`  ${((100 * value) / total).toFixed(1).padStart(5)}%  ${file}`);
}
