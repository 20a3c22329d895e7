/**
 * Our TC string and GPP US decoders against the IAB libraries they replaced, on strings the
 * libraries' own encoders write (every field, both vendor encodings, large vendor IDs, publisher
 * restrictions, optional segments; every US section 7–23, both US national versions, with and
 * without GPC) and on those strings mutated (truncated, characters changed, bits flipped,
 * characters dropped or added, segments added). Valid strings must decode to the same fields.
 * Mutated strings: whenever ours decodes, the library decodes to the same fields (ours is never
 * more lenient); where the library decodes and ours refuses, the string must fall in one of the
 * classes we refuse on purpose (docs/consent.md), and the rates are printed as diagnostics.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bitReader, type BitReader } from '../../src/core/consent/base64url-bits.ts';
import { decodeGppStringUncached } from '../../src/core/consent/gpp.ts';
import { readUsSaleOptOut } from '../../src/core/consent/gpp-us.ts';
import { decodeTcStringUncached } from '../../src/core/consent/tcf.ts';
import {
  encodeGppSpec,
  encodeTcSpec,
  tcSpec,
  usSectionSpec,
  type UsSectionSpec,
} from './generators.ts';
import {
  libraryDecodeGpp,
  libraryDecodeTc,
  librarySaleOptOut,
  ourTcFields,
} from './library-reference.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A change to a valid string, applied by `mutate`. */
const mutation = fc.record({
  kind: fc.constantFrom('truncate', 'replace', 'flip', 'delete', 'insert', 'segment'),
  at: fc.nat(),
  bit: fc.integer({ min: 0, max: 5 }),
  char: fc.constantFrom(...ALPHABET, '.'),
  segment: fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 12 }),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(valid: string, change: Mutation): string {
  const index = change.at % (valid.length + 1);
  const before = valid.slice(0, index);
  const after = valid.slice(index + 1);
  const current = valid[index] ?? 'A';
  switch (change.kind) {
    case 'truncate':
      return before;
    case 'replace':
      return before + change.char + after;
    case 'flip': {
      const value = ALPHABET.indexOf(current);
      return value < 0 ? valid : before + ALPHABET[value ^ (1 << change.bit)] + after;
    }
    case 'delete':
      return before + after;
    case 'insert':
      return before + change.char + valid.slice(index);
    default:
      return `${valid}.${change.segment}`;
  }
}

/** Counts of how the two decoders agreed, printed once a property has run. */
function tally() {
  const counts = new Map<string, number>();
  return {
    add(label: string) {
      counts.set(label, (counts.get(label) ?? 0) + 1);
    },
    report(): string {
      const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
      return [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([label, n]) => `${label}: ${n} (${((100 * n) / total).toFixed(1)}%)`)
        .join('; ');
    },
    get: (label: string) => counts.get(label) ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Why a string the library decodes is refused by ours: the classes tcf.ts documents.

function vectorRuleBroken(reader: BitReader): string | undefined {
  const maxId = reader.read(16) ?? 0;
  if (reader.read(1) !== 1) {
    reader.skip(maxId);
    return undefined;
  }
  const entries = reader.read(12) ?? 0;
  for (let i = 0; i < entries; i++) {
    const isRange = reader.read(1);
    const start = reader.read(16) ?? 0;
    const end = isRange === 1 ? (reader.read(16) ?? 0) : start;
    if (end < start) return 'vendor range start > end (library skips it)';
    if (end > maxId) return 'vendor range past maxVendorId';
  }
  return undefined;
}

function restrictionRuleBroken(reader: BitReader): string | undefined {
  const restrictions = reader.read(12) ?? 0;
  for (let i = 0; i < restrictions; i++) {
    const purpose = reader.read(6);
    const type = reader.read(2) ?? 0;
    const entries = reader.read(12) ?? 0;
    if (purpose === 0 || type > 2) return 'restriction purpose 0 or type 3 (no vendor named)';
    for (let j = 0; j < entries; j++) {
      const isRange = reader.read(1);
      if (reader.read(16) === 0) return 'restriction vendor ID 0';
      if (isRange === 1) reader.skip(16);
    }
  }
  return undefined;
}

function whyWeRefuseTc(raw: string): string {
  const segments = raw.split('.');
  const types = segments.map((segment) => ALPHABET.indexOf(segment[0] ?? 'A') >> 3);
  if (types[0] !== 0) return 'first segment not core (library returns a default model)';
  if (types.slice(1).includes(0)) return 'second core segment';
  if (new Set(types.slice(1)).size < types.length - 1) return 'repeated segment type';
  const core = bitReader(segments[0] ?? '');
  if (core === undefined) return 'unclassified';
  core.skip(108);
  const language = [core.read(6) ?? 0, core.read(6) ?? 0];
  if (language.some((letter) => letter > 25)) return 'language letter not A-Z';
  core.skip(81);
  const country = [core.read(6) ?? 0, core.read(6) ?? 0];
  if (country.some((letter) => letter > 25)) return 'publisher country letter not A-Z';
  const broken = vectorRuleBroken(core) ?? vectorRuleBroken(core) ?? restrictionRuleBroken(core);
  if (broken !== undefined) return broken;
  for (const segment of segments.slice(1)) {
    const reader = bitReader(segment);
    const type = reader?.read(3);
    if (reader !== undefined && (type === 1 || type === 2)) {
      const inSegment = vectorRuleBroken(reader);
      if (inSegment !== undefined) return `${inSegment} (segment ${type})`;
    }
  }
  return 'unclassified';
}

function whyWeRefuseUs(id: number, encoded: string): string {
  const [core = '', ...others] = encoded.split('.');
  if (others.some((other) => !/^[\w-]+$/.test(other))) return 'empty or non-base64url sub-section';
  const reader = bitReader(core);
  if (reader === undefined) return 'unclassified';
  const version = reader.read(6);
  if (id === 7 && version === 2 && reader.remaining() < 64) return 'usnat v2 in the v1 length';
  reader.skip((id === 7 ? 18 : id === 11 || id === 18 ? 14 : 12) - 6);
  if (reader.read(2) === 3) return 'SaleOptOut 3';
  return 'unclassified';
}

// ---------------------------------------------------------------------------------------------

const MAX_TC = 4096;
const validTc = tcSpec.map(encodeTcSpec).filter((tc) => tc.length <= MAX_TC);

describe('TC strings: ours against @iabtechlabtcf/core', () => {
  it('decodes every string the library encodes to the same fields', () => {
    fc.assert(
      fc.property(
        validTc,
        fc.array(fc.integer({ min: 0, max: 65536 }), { maxLength: 20 }),
        (tc, probes) => {
          const ours = decodeTcStringUncached(tc);
          const library = libraryDecodeTc(tc);
          assert.ok(ours, `ours refuses a valid string ${tc.slice(0, 40)}…`);
          assert.ok(library);
          assert.deepEqual(ourTcFields(ours), ourTcFields(library));
          for (const id of probes) {
            assert.equal(
              ours.vendorConsents.has(id),
              library.vendorConsents.has(id),
              `vendor ${id}`,
            );
            assert.equal(
              ours.vendorLegitimateInterests.has(id),
              library.vendorLegitimateInterests.has(id),
            );
          }
          assert.equal(ours.vendorConsents.size, library.vendorConsents.size);
        },
      ),
      { numRuns: 250 },
    );
  });

  it('is never more lenient on mutated strings, and refuses only documented classes', (t) => {
    const outcomes = tally();
    const refusals = tally();
    fc.assert(
      fc.property(validTc, mutation, (valid, change) => {
        const raw = mutate(valid, change);
        const ours = decodeTcStringUncached(raw);
        const library = libraryDecodeTc(raw);
        if (ours !== undefined) {
          assert.ok(library, `ours decodes what the library refuses: ${raw}`);
          assert.deepEqual(ourTcFields(ours), ourTcFields(library));
          outcomes.add('both decode');
        } else if (library === undefined) {
          outcomes.add('both refuse');
        } else {
          outcomes.add('library only');
          refusals.add(whyWeRefuseTc(raw));
        }
      }),
      { numRuns: 1200 },
    );
    t.diagnostic(`TC outcomes: ${outcomes.report()}`);
    t.diagnostic(`TC library-only, by class: ${refusals.report() || 'none'}`);
    assert.equal(refusals.get('unclassified'), 0, 'every stricter refusal is a documented class');
  });
});

const usSections = fc.uniqueArray(usSectionSpec, {
  minLength: 1,
  maxLength: 4,
  selector: (spec) => spec.id,
});
const sortedById = (specs: UsSectionSpec[]) => [...specs].sort((a, b) => a.id - b.id);

describe('GPP US sections: ours against @iabgpp/cmpapi', () => {
  it('reads SaleOptOut of every section the library encodes as the library does', () => {
    fc.assert(
      fc.property(usSections, (specs) => {
        const gpp = encodeGppSpec(sortedById(specs));
        const ours = decodeGppStringUncached(gpp);
        const library = libraryDecodeGpp(gpp);
        assert.ok(ours && library);
        assert.equal(ours.sectionUndecodable, false, gpp);
        assert.deepEqual(ours, library);
        const sections = gpp.split('~').slice(1);
        ours.sectionIds.forEach((id, index) => {
          const encoded = sections[index] as string;
          assert.equal(readUsSaleOptOut(id, encoded), librarySaleOptOut(id, encoded), encoded);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('is never more lenient on mutated sections, and refuses only documented classes', (t) => {
    const outcomes = tally();
    const refusals = tally();
    const section = usSectionSpec.map((spec) => {
      const gpp = encodeGppSpec([spec]);
      return { id: spec.id, encoded: gpp.split('~')[1] as string };
    });
    fc.assert(
      fc.property(section, mutation, ({ id, encoded }, change) => {
        const raw = mutate(encoded, change);
        if (raw === '') return; // gpp.ts refuses an empty section before reading it
        const ours = readUsSaleOptOut(id, raw);
        const library = librarySaleOptOut(id, raw);
        if (ours !== undefined) {
          assert.equal(ours, library, `${id} ${raw}`);
          outcomes.add('both read');
        } else if (library === undefined) {
          outcomes.add('both refuse');
        } else {
          outcomes.add('library only');
          refusals.add(whyWeRefuseUs(id, raw));
        }
      }),
      { numRuns: 3000 },
    );
    t.diagnostic(`GPP US outcomes: ${outcomes.report()}`);
    t.diagnostic(`GPP US library-only, by class: ${refusals.report() || 'none'}`);
    assert.equal(refusals.get('unclassified'), 0, 'every stricter refusal is a documented class');
  });
});
