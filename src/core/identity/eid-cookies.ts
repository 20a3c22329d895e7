/**
 * Partner IDs the browser carries in cookies (upstream `ec/prebid_eids.rs`): `ts-eids`, which the
 * tsjs Prebid integration writes with the EIDs Prebid resolved, and `sharedId`, Prebid's SharedID
 * module's own cookie. A returning user's request brings them; matched against the partner
 * registry they become graph writes.
 *
 * Everything here is best effort on input from the browser: nothing throws, a malformed cookie
 * just contributes nothing.
 */
import { incomingUidProblem } from './graph-entry.ts';
import type { PartnerRegistry } from './partners.ts';

export const EIDS_COOKIE = 'ts-eids';
export const SHAREDID_COOKIE = 'sharedId';
/** The partner source domain `sharedId` is stored under. */
export const SHAREDID_SOURCE = 'sharedid.org';
/** Longest `ts-eids` value decoded (before base64). */
export const MAX_EIDS_COOKIE_BYTES = 8 * 1024;

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

export interface CookieUid {
  id: string;
  atype?: number;
  ext?: Record<string, unknown>;
}

/** An OpenRTB-shaped EID from the cookie. */
export interface CookieEid {
  source: string;
  uids: CookieUid[];
}

export type EidsCookieDecode =
  { ok: true; eids: CookieEid[]; format: 'structured' | 'legacy' } | { ok: false; error: string };

export interface PartnerIdUpdate {
  sourceDomain: string;
  uid: string;
}

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isI32(value: unknown): value is number {
  return (
    typeof value === 'number' && Number.isInteger(value) && value >= I32_MIN && value <= I32_MAX
  );
}

/** `{source, id, atype}`, every field required (the cookie's first format). */
function isLegacyEid(value: unknown): value is { source: string; id: string; atype: number } {
  return (
    isObject(value) &&
    typeof value['source'] === 'string' &&
    typeof value['id'] === 'string' &&
    isI32(value['atype'])
  );
}

/** One structured entry, or undefined when its shape is wrong (which fails the whole cookie). */
function structuredEid(value: unknown): { source: string; uids: unknown[] } | undefined {
  if (!isObject(value) || typeof value['source'] !== 'string') return undefined;
  const uids = value['uids'] ?? [];
  if (!Array.isArray(uids)) return undefined;
  const valid = uids.every(
    (uid) =>
      isObject(uid) &&
      typeof uid['id'] === 'string' &&
      (uid['atype'] === undefined || uid['atype'] === null || isI32(uid['atype'])),
  );
  return valid ? { source: value['source'], uids } : undefined;
}

function base64Utf8(value: string): string | undefined {
  if (!STANDARD_BASE64.test(value)) return undefined;
  try {
    const binary = atob(value);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes a `ts-eids` value: standard base64 of a JSON array, in the current shape
 * (`[{source, uids:[{id, atype?, ext?}]}]`) or the first one (`[{source, id, atype}]`). Entries
 * with an empty source, UIDs with an empty id and EIDs left without UIDs are dropped; a negative
 * `atype` is dropped, and an `ext` that is not an object.
 */
export function decodeEidsCookie(value: string): EidsCookieDecode {
  if (value.length > MAX_EIDS_COOKIE_BYTES) {
    return { ok: false, error: `cookie is over ${MAX_EIDS_COOKIE_BYTES} bytes` };
  }
  const text = base64Utf8(value);
  if (text === undefined) return { ok: false, error: 'cookie is not standard base64 of UTF-8' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'cookie is not JSON' };
  }
  if (!Array.isArray(json)) return { ok: false, error: 'cookie is not a JSON array' };
  if (json.every(isLegacyEid)) {
    const eids = json
      .filter((entry) => entry.source !== '' && entry.id !== '')
      .map((entry) => ({
        source: entry.source,
        uids: [entry.atype >= 0 ? { id: entry.id, atype: entry.atype } : { id: entry.id }],
      }));
    return { ok: true, eids, format: 'legacy' };
  }
  const entries = json.map(structuredEid);
  const bad = entries.findIndex((entry) => entry === undefined);
  if (bad !== -1) return { ok: false, error: `entry ${bad} is not an EID` };
  const eids: CookieEid[] = [];
  for (const entry of entries as Array<{ source: string; uids: unknown[] }>) {
    if (entry.source === '') continue;
    const uids: CookieUid[] = [];
    for (const raw of entry.uids as Array<Record<string, unknown>>) {
      const id = raw['id'] as string;
      if (id === '') continue;
      const uid: CookieUid = { id };
      const atype = raw['atype'];
      if (typeof atype === 'number' && atype >= 0) uid.atype = atype;
      if (isObject(raw['ext'])) uid.ext = raw['ext'];
      uids.push(uid);
    }
    if (uids.length > 0) eids.push({ source: entry.source, uids });
  }
  return { ok: true, eids, format: 'structured' };
}

/**
 * A UID the graph would store (`incomingUidProblem`): not blank, well-formed, no control
 * characters, at most 512 bytes.
 */
export function isStorableUid(uid: string): boolean {
  return incomingUidProblem(uid) === undefined;
}

/** The UID under each registered source (the first storable one per EID), in cookie order. */
function updatesFromEids(eids: CookieEid[], registry: PartnerRegistry): PartnerIdUpdate[] {
  const updates: PartnerIdUpdate[] = [];
  for (const eid of eids) {
    const partner = registry.bySourceDomain(eid.source);
    const uid = eid.uids.find((candidate) => isStorableUid(candidate.id));
    if (partner !== undefined && uid !== undefined) {
      updates.push({ sourceDomain: partner.source_domain, uid: uid.id });
    }
  }
  return updates;
}

function sharedIdUpdate(
  value: string | undefined,
  registry: PartnerRegistry,
): PartnerIdUpdate | undefined {
  const uid = value?.trim();
  if (uid === undefined || !isStorableUid(uid)) return undefined;
  const partner = registry.bySourceDomain(SHAREDID_SOURCE);
  return partner === undefined ? undefined : { sourceDomain: partner.source_domain, uid };
}

/** One update per partner, the last one winning, sorted by source domain. */
function dedupe(updates: PartnerIdUpdate[]): PartnerIdUpdate[] {
  const latest = new Map<string, string>();
  for (const update of updates) latest.set(update.sourceDomain, update.uid);
  return [...latest.keys()].sort().map((sourceDomain) => ({
    sourceDomain,
    uid: latest.get(sourceDomain) as string,
  }));
}

export interface EidCookieValues {
  /** The raw `ts-eids` value. */
  eids?: string;
  /** The raw `sharedId` value. */
  sharedId?: string;
}

/**
 * What the cookies would write into the graph's `ids`: registered partners only, one UID each,
 * `sharedId` winning over a `sharedid.org` EID in `ts-eids`.
 */
export function partnerIdsFromCookies(
  cookies: EidCookieValues,
  registry: PartnerRegistry,
): PartnerIdUpdate[] {
  const updates: PartnerIdUpdate[] = [];
  if (cookies.eids !== undefined) {
    const decoded = decodeEidsCookie(cookies.eids);
    if (decoded.ok) updates.push(...updatesFromEids(decoded.eids, registry));
  }
  const shared = sharedIdUpdate(cookies.sharedId, registry);
  if (shared !== undefined) updates.push(shared);
  return dedupe(updates);
}

/** The admin `/_ts/admin/eids` echo: the cookies decoded, and what ingesting them would do. */
export interface EidCookiePreview {
  cookie_present: boolean;
  eids?: CookieEid[];
  parse_error?: string;
  sharedid_present: boolean;
  partners_configured: number;
  ingest: {
    matched: Array<{ source_domain: string; uid: string }>;
    unmatched: Array<{ source: string; reason: 'no_partner' | 'no_valid_uid' }>;
  };
}

/**
 * The preview (upstream `handle_admin_eids_lookup`). Sources are judged on every UID the cookie
 * listed, the empty ones included, as upstream does.
 */
export function previewEidCookies(
  cookies: EidCookieValues,
  registry: PartnerRegistry,
): EidCookiePreview {
  const preview: EidCookiePreview = {
    cookie_present: cookies.eids !== undefined,
    sharedid_present: cookies.sharedId !== undefined,
    partners_configured: registry.all().length,
    ingest: { matched: [], unmatched: [] },
  };
  const updates: PartnerIdUpdate[] = [];
  const sourceHasStorableUid = new Map<string, boolean>();
  if (cookies.eids !== undefined) {
    const decoded = decodeEidsCookie(cookies.eids);
    if (decoded.ok) {
      preview.eids = decoded.eids;
      updates.push(...updatesFromEids(decoded.eids, registry));
      for (const source of diagnosticSources(cookies.eids)) {
        const storable = source.uids.some(isStorableUid);
        sourceHasStorableUid.set(
          source.source,
          (sourceHasStorableUid.get(source.source) ?? false) || storable,
        );
      }
    } else {
      preview.parse_error = `failed to parse ts-eids cookie: ${decoded.error}`;
    }
  }
  const shared = sharedIdUpdate(cookies.sharedId, registry);
  if (shared !== undefined) updates.push(shared);
  preview.ingest.matched = dedupe(updates).map(({ sourceDomain, uid }) => ({
    source_domain: sourceDomain,
    uid,
  }));
  for (const source of [...sourceHasStorableUid.keys()].sort()) {
    if (registry.bySourceDomain(source) === undefined) {
      preview.ingest.unmatched.push({ source, reason: 'no_partner' });
    } else if (sourceHasStorableUid.get(source) !== true) {
      preview.ingest.unmatched.push({ source, reason: 'no_valid_uid' });
    }
  }
  return preview;
}

/** Every non-empty source of a decodable cookie with every UID it listed, before any filtering. */
function diagnosticSources(value: string): Array<{ source: string; uids: string[] }> {
  const text = base64Utf8(value);
  if (text === undefined) return [];
  const json = JSON.parse(text) as unknown[];
  if (json.every(isLegacyEid)) {
    return json
      .filter((entry) => entry.source !== '')
      .map((entry) => ({ source: entry.source, uids: [entry.id] }));
  }
  return json
    .map((entry) => structuredEid(entry) as { source: string; uids: Array<{ id: string }> })
    .filter((entry) => entry.source !== '')
    .map((entry) => ({ source: entry.source, uids: entry.uids.map((uid) => uid.id) }));
}
