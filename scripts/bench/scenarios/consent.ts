/**
 * `--consent`: what decoding a request's consent strings costs on the hot path, with the IAB
 * libraries (`@iabtechlabtcf/core`, `@iabgpp/cmpapi`) behind our wrappers, and what the memo saves.
 * Two strings, both made with the libraries' encoders the way a CMP writes them:
 *
 * - a TC string granting purposes 1–10 and consent to every third vendor up to 900;
 * - a GPP string carrying that TC string (section 2), US Privacy (6) and US national (7).
 *
 * Each is timed uncached (the library work on every call) and through the memo (a reader's
 * browser repeats its cookies), as the median of many batches. Bar: the memoised path < 20 µs.
 */
import { decodeGppString, decodeGppStringUncached } from '../../../src/core/consent/gpp.ts';
import { decodeTcString, decodeTcStringUncached } from '../../../src/core/consent/tcf.ts';
import { encodeTc, gppOf } from '../../../test/consent/helpers.ts';
import type { BenchBase } from '../context.ts';
import { renderTable } from '../table.ts';

const CALLS_PER_BATCH = 20;

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
    { name: 'tc', input: tc, library: decodeTcStringUncached, memo: decodeTcString },
    { name: 'gpp', input: gpp, library: decodeGppStringUncached, memo: decodeGppString },
  ];
  const rows: string[][] = [];
  for (const { name, input, library, memo } of cases) {
    if (memo(input) === undefined) throw new Error(`bench ${name} string does not decode`);
    const libraryUs = medianMicros(library, input, seconds);
    const memoUs = medianMicros(memo, input, seconds);
    const ratio = libraryUs / memoUs;
    ctx.progress(
      `  ${name} (${input.length} chars): library ${libraryUs.toFixed(2)} µs, memo ${memoUs.toFixed(3)} µs, ${ratio.toFixed(0)}×`,
    );
    rows.push([
      `${name} (${input.length} chars)`,
      libraryUs.toFixed(2),
      memoUs.toFixed(3),
      ratio.toFixed(0),
    ]);
    ctx.results.add({
      key: `consent.${name}.library`,
      label: `consent ${name} decode, library  median`,
      value: libraryUs,
      unit: 'µs',
      better: 'lower',
    });
    ctx.results.add({
      key: `consent.${name}.memo`,
      label: `consent ${name} decode, memo  median`,
      value: memoUs,
      unit: 'µs',
      better: 'lower',
      bar: { op: '<', value: 20 },
    });
    ctx.results.add({
      key: `consent.${name}.ratio`,
      label: `consent ${name} library / memo`,
      value: ratio,
      unit: '×',
      better: 'higher',
    });
  }
  ctx.progress(
    `\n${renderTable(['consent string', 'library µs', 'memo µs', 'library / memo'], rows)}\n`,
  );
  return Promise.resolve();
}
