/**
 * GPP strings (`__gpp`) and the `__gpp_sid` hint. The header is read by gpp-header.ts (bounded);
 * the sections the decisions need are decoded one by one:
 *
 * - 2, TCF EU v2: by tcf.ts, the same decoder as `euconsent-v2`;
 * - 6, US Privacy v1: by usp.ts, the same rules as the `us_privacy` cookie;
 * - 7–23, the US national and state sections: by `@iabgpp/cmpapi`'s section classes, for
 *   `SaleOptOut` (1 opted out, 2 not opted out; 0 "not applicable" says neither).
 *
 * Other sections are carried in `sectionIds` and not decoded. Never throws: a string over
 * upstream's 8192-character limit or with an unreadable header is undecodable as a whole; an
 * unreadable section of the three kinds above sets `sectionUndecodable` and is left out.
 */
import {
  UsCa,
  UsCo,
  UsCt,
  UsDe,
  UsFl,
  UsIa,
  UsMn,
  UsMt,
  UsNat,
  UsNe,
  UsNh,
  UsNj,
  UsOr,
  UsTn,
  UsTx,
  UsUt,
  UsVa,
} from '@iabgpp/cmpapi';
import { readGppHeader } from './gpp-header.ts';
import { createMemo } from './memo.ts';
import { decodeTcString, decodeTcStringUncached } from './tcf.ts';
import type { GppConsent, TcfConsent, UsPrivacy } from './types.ts';
import { decodeUsPrivacy } from './usp.ts';

export const MAX_GPP_STRING_LENGTH = 8192;
const MEMO_ENTRIES = 256;

const SECTION_TCF_EU_V2 = 2;
const SECTION_USP_V1 = 6;

interface UsSection {
  getFieldValue(field: string): unknown;
}
type UsSectionClass = new (encoded: string) => UsSection;

/**
 * Upstream's US range, 7 (national) to 23 (Minnesota), with the versions the library decodes.
 * Later sections (24+: Maryland, Indiana, Kentucky, Rhode Island) are not read, as upstream.
 */
const US_SECTIONS = new Map<number, { decoder: UsSectionClass; versions: readonly number[] }>([
  [7, { decoder: UsNat, versions: [1, 2] }],
  [8, { decoder: UsCa, versions: [1] }],
  [9, { decoder: UsVa, versions: [1] }],
  [10, { decoder: UsCo, versions: [1] }],
  [11, { decoder: UsUt, versions: [1] }],
  [12, { decoder: UsCt, versions: [1] }],
  [13, { decoder: UsFl, versions: [1] }],
  [14, { decoder: UsMt, versions: [1] }],
  [15, { decoder: UsOr, versions: [1] }],
  [16, { decoder: UsTx, versions: [1] }],
  [17, { decoder: UsDe, versions: [1] }],
  [18, { decoder: UsIa, versions: [1] }],
  [19, { decoder: UsNe, versions: [1] }],
  [20, { decoder: UsNh, versions: [1] }],
  [21, { decoder: UsNj, versions: [1] }],
  [22, { decoder: UsTn, versions: [1] }],
  [23, { decoder: UsMn, versions: [1] }],
]);

const SALE_OPTED_OUT = 1;
const SALE_NOT_OPTED_OUT = 2;

/**
 * `SaleOptOut` of one US section: true, false, or undefined when it says neither. Throws when
 * the section is unreadable, including a version the library does not know (it reads whatever
 * bits are there, so garbage decodes to a garbage version rather than an error).
 */
function usSaleOptOut(id: number, encoded: string): boolean | undefined {
  const section = US_SECTIONS.get(id);
  if (section === undefined) return undefined;
  const decoded = new section.decoder(encoded);
  if (!section.versions.includes(Number(decoded.getFieldValue('Version')))) {
    throw new Error(`unknown version of GPP section ${id}`);
  }
  const value = decoded.getFieldValue('SaleOptOut');
  if (value === SALE_OPTED_OUT) return true;
  if (value === SALE_NOT_OPTED_OUT) return false;
  return undefined;
}

function decode(
  raw: string,
  decodeTc: (raw: string) => TcfConsent | undefined,
): GppConsent | undefined {
  if (raw.length === 0 || raw.length > MAX_GPP_STRING_LENGTH) return undefined;
  const [header = '', ...sections] = raw.split('~');
  const sectionIds = readGppHeader(header, sections.length);
  if (sectionIds === undefined || sections.some((section) => section.trim() === '')) {
    return undefined;
  }
  let euTcf: TcfConsent | undefined;
  let usp: UsPrivacy | undefined;
  let usOptedOut: boolean | undefined;
  let sectionUndecodable = false;
  sectionIds.forEach((id, index) => {
    const encoded = sections[index] as string;
    if (id === SECTION_TCF_EU_V2) {
      euTcf = decodeTc(encoded);
      if (euTcf === undefined) sectionUndecodable = true;
    } else if (id === SECTION_USP_V1) {
      usp = decodeUsPrivacy(encoded);
      if (usp === undefined) sectionUndecodable = true;
    } else if (US_SECTIONS.has(id)) {
      try {
        const optedOut = usSaleOptOut(id, encoded);
        // Any readable opt-out wins over every "not opted out", whatever the order.
        if (optedOut === true || (optedOut === false && usOptedOut === undefined)) {
          usOptedOut = optedOut;
        }
      } catch {
        sectionUndecodable = true;
      }
    }
  });
  return Object.freeze({
    sectionIds: Object.freeze(sectionIds),
    sectionUndecodable,
    ...(euTcf === undefined ? {} : { euTcf }),
    ...(usp === undefined ? {} : { usp }),
    ...(usOptedOut === undefined ? {} : { usSaleOptOut: usOptedOut }),
  });
}

function decodeSafely(
  raw: string,
  decodeTc: (raw: string) => TcfConsent | undefined,
): GppConsent | undefined {
  try {
    return decode(raw, decodeTc);
  } catch {
    return undefined;
  }
}

/** The library work without either memo: what the bench compares the memo against. */
export function decodeGppStringUncached(raw: string): GppConsent | undefined {
  return decodeSafely(raw, decodeTcStringUncached);
}

const memo = createMemo<GppConsent | undefined>(MEMO_ENTRIES);

/** The decoded GPP string, or undefined when it is undecodable. Never throws. */
export function decodeGppString(raw: string): GppConsent | undefined {
  if (raw.length > MAX_GPP_STRING_LENGTH) return undefined;
  return memo.get(raw, (key) => decodeSafely(key, decodeTcString));
}

/**
 * `__gpp_sid`: a comma list of section IDs. Entries are trimmed and those that are not whole
 * numbers 0–65535 are skipped (it is only a hint); undefined when none is left.
 */
export function parseGppSid(raw: string): number[] | undefined {
  const ids: number[] = [];
  for (const entry of raw.split(',')) {
    const text = entry.trim();
    if (!/^\d{1,5}$/.test(text)) continue;
    const id = Number(text);
    if (id <= 0xffff) ids.push(id);
  }
  return ids.length === 0 ? undefined : ids;
}
