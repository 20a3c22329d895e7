/**
 * GPP strings (`__gpp`) and the `__gpp_sid` hint. The header is read by gpp-header.ts (bounded);
 * the sections the decisions need are decoded one by one, all by our own readers:
 *
 * - 2, TCF EU v2: by tcf.ts, the same decoder as `euconsent-v2`;
 * - 6, US Privacy v1: by usp.ts, the same rules as the `us_privacy` cookie;
 * - 7–23, the US national and state sections: by gpp-us.ts, for `SaleOptOut` (opted out, not
 *   opted out; "not applicable" says neither).
 *
 * Other sections are carried in `sectionIds` and not decoded. Never throws: a string over
 * upstream's 8192-character limit or with an unreadable header is undecodable as a whole; an
 * unreadable section of the three kinds above sets `sectionUndecodable` and is left out.
 */
import { readGppHeader } from './gpp-header.ts';
import { isUsSection, readUsSaleOptOut, type SaleOptOut } from './gpp-us.ts';
import { createMemo } from './memo.ts';
import { decodeTcString, decodeTcStringUncached } from './tcf.ts';
import type { GppConsent, TcfConsent, UsPrivacy } from './types.ts';
import { decodeUsPrivacy } from './usp.ts';

export const MAX_GPP_STRING_LENGTH = 8192;
const MEMO_ENTRIES = 256;

const SECTION_TCF_EU_V2 = 2;
const SECTION_USP_V1 = 6;

/**
 * How the three decoded section kinds are read. Ours in production; the differential tests pass
 * the IAB libraries' readers, so both are walked by the same code and compared section for section.
 */
export interface GppSectionDecoders {
  tc: (encoded: string) => TcfConsent | undefined;
  /** undefined: not a US section (7–23) this reader knows; else its `SaleOptOut`, or unreadable. */
  usSaleOptOut: (id: number, encoded: string) => SaleOptOut | undefined | 'unreadable';
}

/** A GPP string decoded with `decoders`; undefined when it is undecodable as a whole. */
export function decodeGppWith(raw: string, decoders: GppSectionDecoders): GppConsent | undefined {
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
      euTcf = decoders.tc(encoded);
      if (euTcf === undefined) sectionUndecodable = true;
    } else if (id === SECTION_USP_V1) {
      usp = decodeUsPrivacy(encoded);
      if (usp === undefined) sectionUndecodable = true;
    } else {
      const saleOptOut = decoders.usSaleOptOut(id, encoded);
      if (saleOptOut === 'unreadable') sectionUndecodable = true;
      // Any readable opt-out wins over every "not opted out", whatever the order.
      if (saleOptOut === 'opted-out') usOptedOut = true;
      if (saleOptOut === 'not-opted-out' && usOptedOut === undefined) usOptedOut = false;
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

const usSaleOptOut: GppSectionDecoders['usSaleOptOut'] = (id, encoded) =>
  isUsSection(id) ? (readUsSaleOptOut(id, encoded) ?? 'unreadable') : undefined;

/** The decoders without either memo: what the bench measures per fresh string. */
export function decodeGppStringUncached(raw: string): GppConsent | undefined {
  return decodeGppWith(raw, { tc: decodeTcStringUncached, usSaleOptOut });
}

const memo = createMemo<GppConsent | undefined>(MEMO_ENTRIES);

/** The decoded GPP string, or undefined when it is undecodable. Never throws. */
export function decodeGppString(raw: string): GppConsent | undefined {
  if (raw.length > MAX_GPP_STRING_LENGTH) return undefined;
  return memo.get(raw, (key) => decodeGppWith(key, { tc: decodeTcString, usSaleOptOut }));
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
