/**
 * `--consent`: what decoding a request's consent strings costs on the hot path, with our own
 * decoders, against the IAB libraries they replaced (`@iabtechlabtcf/core`, `@iabgpp/cmpapi`, as
 * test/consent/library-reference.ts drives them) as the peer in the same run, and what the memo
 * saves. Strings made with the libraries' encoders the way a CMP writes them:
 *
 * - a TC string granting purposes 1–10 and consent to every third vendor up to 900;
 * - a GPP string carrying that TC string (section 2), US Privacy (6) and US national (7);
 * - a hostile TC string: 3.9 KB of vendor ranges 1–65535 (the library expands each ID by ID).
 *
 * Each is timed uncached (a fresh string on every call, as an attacker sends) and through the
 * memo (a reader's browser repeats its cookies), as the median of many batches. The library
 * gets one call on the hostile string: it takes about a second. Bars: ours < 20 µs for a typical
 * string, the memoised path < 20 µs, the hostile string < 100 µs.
 */
import { decodeGppString, decodeGppStringUncached } from '../../../src/core/consent/gpp.ts';
import { decodeTcString, decodeTcStringUncached } from '../../../src/core/consent/tcf.ts';
import { encodeTc, gppOf, rangeBombTc } from '../../../test/consent/helpers.ts';
import { libraryDecodeGpp, libraryDecodeTc } from '../../../test/consent/library-reference.ts';
import type { BenchBase } from '../context.ts';
import { renderTable } from '../table.ts';

const CALLS_PER_BATCH = 20;
const HOSTILE_RANGES = 700;

/** Median per-call µs of `decode(input)` over batches, for `seconds`. */
function medianMicros(decode: (raw: string) => unknown, input: string, seconds: number): number {
  for (let i = 0; i < 200; i++) decode(input); // warm-up: JIT and memo
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || samples.length < 20) {
    const started = performance.now();
    for (let i = 0; i < CALLS_PER_BATCH; i++) decode(input);
    samples.push(((performance.now() - started) * 1000) / CALLS_PER_BATCH);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? 0;
}

function onceMicros(decode: (raw: string) => unknown, input: string): number {
  const started = performance.now();
  decode(input);
  return (performance.now() - started) * 1000;
}

const micros = (us: number) => (us >= 10_000 ? `${(us / 1000).toFixed(0)} ms` : us.toFixed(2));

export function consent(ctx: BenchBase): Promise<void> {
  const seconds = Math.min(ctx.options.duration, 80) / 8;
  const tc = encodeTc({
    purposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    vendors: Array.from({ length: 300 }, (_, i) => 3 * i + 1),
  });
  const gpp = gppOf([
    [2, tc],
    [6, '1YNN'],
    [7, 'BVQqAAAAAgA.QA'],
  ]);
  const cases = [
    { name: 'tc', input: tc, library: libraryDecodeTc, ours: decodeTcStringUncached },
    { name: 'gpp', input: gpp, library: libraryDecodeGpp, ours: decodeGppStringUncached },
  ];
  const memos = { tc: decodeTcString, gpp: decodeGppString };
  const rows: string[][] = [];
  for (const { name, input, library, ours } of cases) {
    if (ours(input) === undefined || library(input) === undefined) {
      throw new Error(`bench ${name} string does not decode`);
    }
    const libraryUs = medianMicros(library, input, seconds);
    const oursUs = medianMicros(ours, input, seconds);
    const memoUs = medianMicros(memos[name as keyof typeof memos], input, seconds);
    const ratio = libraryUs / oursUs;
    ctx.progress(
      `  ${name} (${input.length} chars): library ${libraryUs.toFixed(2)} µs, ours ${oursUs.toFixed(2)} µs (${ratio.toFixed(1)}× faster), memo ${memoUs.toFixed(3)} µs`,
    );
    rows.push([
      `${name} (${input.length} chars)`,
      libraryUs.toFixed(2),
      oursUs.toFixed(2),
      ratio.toFixed(1),
      memoUs.toFixed(3),
    ]);
    ctx.results.add({
      key: `consent.${name}.library`,
      label: `consent ${name} decode, library  median`,
      value: libraryUs,
      unit: 'µs',
      better: 'lower',
    });
    ctx.results.add({
      key: `consent.${name}.ours`,
      label: `consent ${name} decode, ours  median`,
      value: oursUs,
      unit: 'µs',
      better: 'lower',
      bar: { op: '<', value: 20 },
    });
    ctx.results.add({
      key: `consent.${name}.ratio`,
      label: `consent ${name} library / ours`,
      value: ratio,
      unit: '×',
      better: 'higher',
    });
    ctx.results.add({
      key: `consent.${name}.memo`,
      label: `consent ${name} decode, memo  median`,
      value: memoUs,
      unit: 'µs',
      better: 'lower',
      bar: { op: '<', value: 20 },
    });
  }

  const hostile = rangeBombTc(HOSTILE_RANGES);
  if (decodeTcStringUncached(hostile)?.vendorConsents.size !== 65535) {
    throw new Error('bench hostile string does not decode to vendors 1–65535');
  }
  const hostileOursUs = medianMicros(decodeTcStringUncached, hostile, seconds);
  const hostileLibraryUs = onceMicros(libraryDecodeTc, hostile);
  ctx.progress(
    `  tc hostile (${hostile.length} chars): library ${micros(hostileLibraryUs)} (one call), ours ${hostileOursUs.toFixed(2)} µs`,
  );
  rows.push([
    `tc hostile (${hostile.length} chars)`,
    `${micros(hostileLibraryUs)} (1 call)`,
    hostileOursUs.toFixed(2),
    (hostileLibraryUs / hostileOursUs).toFixed(0),
    '—',
  ]);
  ctx.results.add({
    key: 'consent.tc-hostile.ours',
    label: 'consent hostile tc (3.9 KB of ranges), ours  median',
    value: hostileOursUs,
    unit: 'µs',
    better: 'lower',
    bar: { op: '<', value: 100 },
  });
  ctx.results.add({
    key: 'consent.tc-hostile.library',
    label: 'consent hostile tc (3.9 KB of ranges), library  one call',
    value: hostileLibraryUs,
    unit: 'µs',
    better: 'lower',
  });
  ctx.progress(
    `\n${renderTable(['consent string', 'library µs', 'ours µs', 'library / ours', 'memo µs'], rows)}\n`,
  );
  return Promise.resolve();
}
