/**
 * TCF v2 TC strings through the IAB's own decoder, `@iabtechlabtcf/core` (decision D5), wrapped so
 * that it never throws: a string the library rejects, one longer than upstream's 4096-character
 * limit, one whose version is not 2, or one whose vendor ranges would cost the library too much
 * (tcf-cost.ts) is undecodable, and undecodable fails closed in the decisions.
 *
 * This is stricter than upstream's own bit reader, which reads missing bits as zeros: upstream
 * decodes `CPXxGfAPXxGfAAHABBENBCCsAP_AAH_AAAAAHftf` (purposes 1–10), the library rejects it
 * ("bitfield encoding length mismatch"), and so do we.
 */
import { TCString, type TCModel, type Vector } from '@iabtechlabtcf/core';
import { createMemo } from './memo.ts';
import { withinDecodeBudget } from './tcf-cost.ts';
import type { TcfConsent } from './types.ts';

/** Upstream's limit: a longer cookie is refused before any parsing. */
export const MAX_TC_STRING_LENGTH = 4096;
/** Distinct strings remembered; a reader sends the same one on every request. */
const MEMO_ENTRIES = 256;

function members(vector: Vector): ReadonlySet<number> {
  const set = new Set<number>();
  vector.forEach((granted, id) => {
    if (granted) set.add(id);
  });
  return set;
}

function toConsent(model: TCModel): TcfConsent | undefined {
  const createdMs = model.created?.getTime();
  const lastUpdatedMs = model.lastUpdated?.getTime();
  if (model.version !== 2 || !Number.isFinite(createdMs) || !Number.isFinite(lastUpdatedMs)) {
    return undefined;
  }
  return Object.freeze({
    version: 2,
    cmpId: Number(model.cmpId),
    cmpVersion: Number(model.cmpVersion),
    consentScreen: Number(model.consentScreen),
    consentLanguage: model.consentLanguage,
    vendorListVersion: Number(model.vendorListVersion),
    policyVersion: Number(model.policyVersion),
    createdMs,
    lastUpdatedMs,
    purposeConsents: members(model.purposeConsents),
    purposeLegitimateInterests: members(model.purposeLegitimateInterests),
    specialFeatureOptins: members(model.specialFeatureOptins),
    vendorConsents: members(model.vendorConsents),
    vendorLegitimateInterests: members(model.vendorLegitimateInterests),
  });
}

/** The library call itself, without the memo: what the bench compares the memo against. */
export function decodeTcStringUncached(raw: string): TcfConsent | undefined {
  if (raw.length === 0 || raw.length > MAX_TC_STRING_LENGTH) return undefined;
  if (!withinDecodeBudget(raw)) return undefined;
  try {
    return toConsent(TCString.decode(raw));
  } catch {
    return undefined;
  }
}

const memo = createMemo<TcfConsent | undefined>(MEMO_ENTRIES);

/** The decoded core segment, or undefined when `raw` is undecodable. Never throws. */
export function decodeTcString(raw: string): TcfConsent | undefined {
  // Oversized strings are not remembered: they would only push real readers' strings out.
  if (raw.length > MAX_TC_STRING_LENGTH) return undefined;
  return memo.get(raw, decodeTcStringUncached);
}
