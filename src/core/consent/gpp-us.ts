/**
 * `SaleOptOut` of the GPP US sections 7 (national) to 23 (Minnesota), upstream's US range. Each
 * section is a core sub-section of fixed-width fields (a six-bit version, then two-bit notices,
 * opt-outs and consents, in an order each state's spec fixes), optionally followed by others
 * (GPC). None of these core sub-sections uses Fibonacci or variable-length fields, so each layout
 * is a length and an offset. `@iabgpp/cmpapi` is the reference this is tested against, not a
 * dependency.
 *
 * Strict: a section is unreadable when its core is not base64url, its version is one we do not
 * know, its core is shorter than that version's fields, or `SaleOptOut` holds 3 (no meaning; the
 * library returns it as is). Sub-sections after the core are not interpreted, as the library does
 * not, but each must be non-empty base64url (the library does not look at them at all). Real
 * strings carry them even where the state's spec defines none (the spec's Virginia vector ends in
 * `.AA`), so their number and content are not checked.
 */
import { bitReader } from './base64url-bits.ts';

/** What a US section says about the sale of personal data (`SaleOptOut` 1, 2, 0). */
export type SaleOptOut = 'opted-out' | 'not-opted-out' | 'not-applicable';

interface UsLayout {
  /** Bits of the core sub-section for each known version. */
  readonly coreBits: ReadonlyMap<number, number>;
  /** Where the two-bit `SaleOptOut` starts in the core (the same in every version). */
  readonly saleOptOutAt: number;
}

const v1 = (bits: number) => new Map([[1, bits]]);
/** Most states: version, three notices, then `SaleOptOut`. */
const state = (bits: number): UsLayout => ({ coreBits: v1(bits), saleOptOutAt: 12 });

const US_SECTIONS: ReadonlyMap<number, UsLayout> = new Map([
  // National: six notices before the opt-outs. Version 2 widened the sensitive-data (12 → 16
  // entries) and known-child (2 → 3) lists, which come after `SaleOptOut`.
  [
    7,
    {
      coreBits: new Map([
        [1, 60],
        [2, 70],
      ]),
      saleOptOutAt: 18,
    },
  ],
  [8, state(46)], // California
  [9, state(40)], // Virginia
  [10, state(38)], // Colorado
  // Utah: four notices (one more, for sensitive data processing) before `SaleOptOut`.
  [11, { coreBits: v1(42), saleOptOutAt: 14 }],
  [12, state(44)], // Connecticut
  [13, state(46)], // Florida
  [14, state(46)], // Montana
  [15, state(52)], // Oregon
  [16, state(42)], // Texas
  [17, state(52)], // Delaware
  // Iowa: four notices, as Utah.
  [18, { coreBits: v1(42), saleOptOutAt: 14 }],
  [19, state(42)], // Nebraska
  [20, state(46)], // New Hampshire
  [21, state(54)], // New Jersey
  [22, state(42)], // Tennessee
  [23, state(42)], // Minnesota
]);

const VERSION_BITS = 6;
const SALE_OPT_OUT: readonly (SaleOptOut | undefined)[] = [
  'not-applicable',
  'opted-out',
  'not-opted-out',
  undefined,
];

export const isUsSection = (id: number): boolean => US_SECTIONS.has(id);

const isBase64url = (text: string) => /^[\w-]+$/.test(text);

/** `SaleOptOut` of section `id`, or undefined when it is not a US section or is unreadable. */
export function readUsSaleOptOut(id: number, encoded: string): SaleOptOut | undefined {
  const layout = US_SECTIONS.get(id);
  if (layout === undefined) return undefined;
  const [core = '', ...others] = encoded.split('.');
  if (!others.every(isBase64url)) return undefined;
  const reader = bitReader(core);
  const version = reader?.read(VERSION_BITS);
  if (reader === undefined || version === undefined) return undefined;
  const bits = layout.coreBits.get(version);
  if (bits === undefined || reader.remaining() < bits - VERSION_BITS) return undefined;
  reader.skip(layout.saleOptOutAt - VERSION_BITS);
  return SALE_OPT_OUT[reader.read(2) as number];
}
