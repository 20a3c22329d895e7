/**
 * One identity graph entry: the JSON stored under an Edge Cookie ID (upstream `ec/kv_types.rs`,
 * schema `v: 1`), its validator, and the small metadata stored beside it.
 *
 * Entries written by upstream read here and the other way round: same field names, same shapes.
 * Two differences, both on the side of keeping less:
 * - `consent.tcf` and `consent.gpp` are never written. Upstream keeps the raw TCF and GPP strings
 *   there; nothing reads them back (consent is decided from the request's own signals), and a raw
 *   string is a detailed record of one person's choices. A string found in an upstream entry is
 *   accepted and dropped, so the next write of that entry no longer carries it.
 * - Fields upstream no longer has (`last_seen`, `ids.*.synced`, `network.cluster_checked`…) are
 *   accepted and dropped too, as upstream does.
 *
 * The validator is hand-written, in the style of the settings schema: each failure names the field.
 */
import { TsError } from '../errors.ts';

export const GRAPH_VERSION = 1;
/** A partner UID's limit in bytes, across every way it arrives (pixel, batch, pull, cookie). */
export const MAX_UID_BYTES = 512;
/** Publisher domains an entry may list (new entries list one: where they were created). */
export const MAX_SEEN_DOMAINS = 50;
const MAX_DOMAIN_LENGTH = 255;
/** Bounds for free text upstream does not bound, so metadata stays far below 1000 bytes. */
const MAX_COUNTRY_LENGTH = 16;
const MAX_SHORT_TEXT = 64;
const U32_MAX = 4294967295;

export interface GraphConsent {
  /** True for a live entry, false for a withdrawal tombstone. */
  ok: boolean;
  /** Unix seconds of the last consent change. */
  updated: number;
}

export interface GraphGeo {
  /** ISO 3166-1 alpha-2, or `ZZ` when unknown. */
  country: string;
  region?: string;
  asn?: number;
  dma?: number;
}

export interface GraphPubProperties {
  /** The publisher domain the entry was created on. */
  origin_domain: string;
  seen_domains?: string[];
}

export interface GraphDevice {
  /** 0 desktop, 1 mobile (tablets included), 2 unknown. */
  is_mobile: 0 | 1 | 2;
  /** JA4's first section only (TLS version, cipher and extension counts, ALPN): a browser family. */
  ja4_class?: string;
  platform_class?: string;
  /** First 12 hex of SHA-256 of the HTTP/2 fingerprint. */
  h2_fp_hash?: string;
  /** true: a known browser's JA4 + HTTP/2 pair; absent: not recognised. */
  known_browser?: boolean;
}

export interface GraphNetwork {
  /** How many IDs share this entry's hash (capped at the count limit): a household or an office. */
  cluster_size?: number;
}

export interface GraphPartnerId {
  uid: string;
}

export interface GraphEntry {
  v: typeof GRAPH_VERSION;
  /** Unix seconds. */
  created: number;
  consent: GraphConsent;
  geo: GraphGeo;
  pub_properties?: GraphPubProperties;
  device?: GraphDevice;
  network?: GraphNetwork;
  /**
   * Partner UIDs by the partner's `source_domain`. A null-prototype object: a key such as
   * `constructor` reads as absent, not as Object's.
   */
  ids: Record<string, GraphPartnerId>;
}

export type GraphEntryParse = { ok: true; entry: GraphEntry } | { ok: false; error: string };

/** Thrown inside the validator; always caught in {@link parseGraphEntry}. */
class Invalid extends Error {}

const encoder = new TextEncoder();

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (!isObject(value)) throw new Invalid(`${path} must be an object`);
  return value;
}

function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new Invalid(`${path} must be true or false`);
  return value;
}

function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Invalid(`${path} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function text(value: unknown, path: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new Invalid(`${path} must be text of 1 to ${maxLength} characters`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Invalid(`${path} has a control character`);
  return value;
}

function optional<T>(
  source: Record<string, unknown>,
  key: string,
  read: (value: unknown) => T,
): T | undefined {
  // Upstream's serde reads `null` as absent; so do we.
  const value = source[key];
  return value === undefined || value === null ? undefined : read(value);
}

/**
 * The stored form of a publisher domain (upstream `validated_stored_domain`): ASCII host name
 * labels, lower case, no trailing dot. Undefined when `domain` is not one.
 */
export function storedDomain(domain: string): string | undefined {
  if (domain.length === 0 || domain.length > MAX_DOMAIN_LENGTH) return undefined;
  const normalised = domain.replace(/\.$/, '').toLowerCase();
  if (normalised.length === 0) return undefined;
  const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
  return normalised.split('.').every((part) => label.test(part)) ? normalised : undefined;
}

function domain(value: unknown, path: string): string {
  if (typeof value !== 'string' || storedDomain(value) !== value) {
    throw new Invalid(`${path} must be a lower-case host name`);
  }
  return value;
}

function readConsent(value: unknown): GraphConsent {
  const consent = object(value, 'consent');
  for (const signal of ['tcf', 'gpp'] as const) {
    const raw = consent[signal];
    if (raw !== undefined && raw !== null && typeof raw !== 'string') {
      throw new Invalid(`consent.${signal} must be text`);
    }
  }
  return {
    ok: boolean(consent['ok'], 'consent.ok'),
    updated: integer(consent['updated'], 'consent.updated', 0, Number.MAX_SAFE_INTEGER),
  };
}

function readGeo(value: unknown): GraphGeo {
  const source = object(value, 'geo');
  const geo: GraphGeo = { country: text(source['country'], 'geo.country', MAX_COUNTRY_LENGTH) };
  const region = optional(source, 'region', (v) => text(v, 'geo.region', MAX_SHORT_TEXT));
  const asn = optional(source, 'asn', (v) => integer(v, 'geo.asn', 0, U32_MAX));
  const dma = optional(source, 'dma', (v) =>
    integer(v, 'geo.dma', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  );
  if (region !== undefined) geo.region = region;
  if (asn !== undefined) geo.asn = asn;
  if (dma !== undefined) geo.dma = dma;
  return geo;
}

function readPubProperties(value: unknown): GraphPubProperties {
  const source = object(value, 'pub_properties');
  const properties: GraphPubProperties = {
    origin_domain: domain(source['origin_domain'], 'pub_properties.origin_domain'),
  };
  const seen = optional(source, 'seen_domains', (v) => {
    // Older entries kept a map of domain → visit counts; only its keys survive.
    const list = Array.isArray(v)
      ? (v as unknown[])
      : Object.keys(object(v, 'pub_properties.seen_domains'));
    if (list.length > MAX_SEEN_DOMAINS) {
      throw new Invalid(`pub_properties.seen_domains has more than ${MAX_SEEN_DOMAINS} domains`);
    }
    const domains = list.map((item, index) =>
      domain(item, `pub_properties.seen_domains[${index}]`),
    );
    return [...new Set(domains)].sort();
  });
  if (seen !== undefined && seen.length > 0) properties.seen_domains = seen;
  return properties;
}

function readDevice(value: unknown): GraphDevice {
  const source = object(value, 'device');
  const device: GraphDevice = {
    is_mobile: integer(source['is_mobile'], 'device.is_mobile', 0, 2) as 0 | 1 | 2,
  };
  const ja4 = optional(source, 'ja4_class', (v) => text(v, 'device.ja4_class', MAX_SHORT_TEXT));
  const platform = optional(source, 'platform_class', (v) =>
    text(v, 'device.platform_class', MAX_SHORT_TEXT),
  );
  const h2 = optional(source, 'h2_fp_hash', (v) => {
    if (typeof v !== 'string' || !/^[0-9a-f]{12}$/.test(v)) {
      throw new Invalid('device.h2_fp_hash must be 12 lower-case hex digits');
    }
    return v;
  });
  const known = optional(source, 'known_browser', (v) => boolean(v, 'device.known_browser'));
  if (ja4 !== undefined) device.ja4_class = ja4;
  if (platform !== undefined) device.platform_class = platform;
  if (h2 !== undefined) device.h2_fp_hash = h2;
  if (known !== undefined) device.known_browser = known;
  return device;
}

function readNetwork(value: unknown): GraphNetwork {
  const source = object(value, 'network');
  const size = optional(source, 'cluster_size', (v) =>
    integer(v, 'network.cluster_size', 0, U32_MAX),
  );
  return size === undefined ? {} : { cluster_size: size };
}

/** Why `uid` cannot be stored, or undefined. */
export function uidProblem(uid: string): string | undefined {
  const bytes = encoder.encode(uid).byteLength;
  return bytes > MAX_UID_BYTES ? `is ${bytes} bytes; the limit is ${MAX_UID_BYTES}` : undefined;
}

/**
 * Why a UID arriving from outside (batch sync, pull sync, a reader's EID cookie) cannot be
 * stored: blank, too long, not well-formed Unicode (a lone surrogate cannot be sent on as UTF-8),
 * or with a control character (a CR/LF would travel into bid requests and identify answers).
 * Stricter than {@link uidProblem}, which also reads entries older writers stored.
 */
export function incomingUidProblem(uid: string): string | undefined {
  if (uid.trim() === '') return 'is blank';
  if (!uid.isWellFormed()) return 'is not well-formed Unicode';
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  if (/[\u0000-\u001f\u007f]/.test(uid)) return 'has a control character';
  return uidProblem(uid);
}

/** Why `key` cannot name a partner in `ids`: printable ASCII, at most 255 characters. */
export function partnerKeyProblem(key: string): string | undefined {
  if (key.length === 0 || key.length > MAX_DOMAIN_LENGTH) {
    return `must be 1 to ${MAX_DOMAIN_LENGTH} characters`;
  }
  return /^[\x21-\x7e]+$/.test(key) ? undefined : 'must be printable ASCII without spaces';
}

function readIds(value: unknown): Record<string, GraphPartnerId> {
  const source = object(value, 'ids');
  const ids = Object.create(null) as Record<string, GraphPartnerId>;
  // Sorted, as upstream's BTreeMap writes them: the same entry serialises to the same text.
  for (const key of Object.keys(source).sort()) {
    // Keys are partners' source domains; older upstream entries used partner names, which read
    // fine and are skipped as "not in the registry" when EIDs are built.
    const keyProblem = partnerKeyProblem(key);
    if (keyProblem !== undefined)
      throw new Invalid(`ids key ${JSON.stringify(key.slice(0, 40))} ${keyProblem}`);
    const record = object(source[key], `ids.${key}`);
    const uid = record['uid'];
    if (typeof uid !== 'string') throw new Invalid(`ids.${key}.uid must be text`);
    const problem = uidProblem(uid);
    if (problem !== undefined) throw new Invalid(`ids.${key}.uid ${problem}`);
    ids[key] = { uid };
  }
  return ids;
}

function readEntry(value: unknown): GraphEntry {
  const source = object(value, 'entry');
  if (source['v'] !== GRAPH_VERSION) {
    throw new Invalid(
      `v must be ${GRAPH_VERSION} (unsupported schema version ${JSON.stringify(source['v'])})`,
    );
  }
  const entry: GraphEntry = {
    v: GRAPH_VERSION,
    created: integer(source['created'], 'created', 0, Number.MAX_SAFE_INTEGER),
    consent: readConsent(source['consent']),
    geo: readGeo(source['geo']),
    ids:
      optional(source, 'ids', readIds) ?? (Object.create(null) as Record<string, GraphPartnerId>),
  };
  const pub = optional(source, 'pub_properties', readPubProperties);
  const device = optional(source, 'device', readDevice);
  const network = optional(source, 'network', readNetwork);
  if (pub !== undefined) entry.pub_properties = pub;
  if (device !== undefined) entry.device = device;
  if (network !== undefined) entry.network = network;
  return entry;
}

/** Reads a stored entry; never throws. An entry that fails here is treated as unreadable. */
export function parseGraphEntry(text: string): GraphEntryParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'entry is not JSON' };
  }
  try {
    return { ok: true, entry: readEntry(json) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, error: error.message };
    // A stack overflow on absurd nesting, and nothing else we know of.
    return { ok: false, error: 'entry could not be read' };
  }
}

/**
 * The stored text of an entry, in a fixed field order. Refuses (`internal`) an entry the validator
 * would refuse to read back, so nothing unreadable is ever written.
 */
export function serializeGraphEntry(entry: GraphEntry): string {
  // Null prototype: a partner key `__proto__` stays an own property and is written like any other.
  const ids = Object.create(null) as Record<string, GraphPartnerId>;
  for (const key of Object.keys(entry.ids).sort()) {
    ids[key] = { uid: (entry.ids[key] as GraphPartnerId).uid };
  }
  const { geo, device, network } = entry;
  const ordered = {
    v: entry.v,
    created: entry.created,
    consent: { ok: entry.consent.ok, updated: entry.consent.updated },
    geo: { country: geo.country, region: geo.region, asn: geo.asn, dma: geo.dma },
    pub_properties: entry.pub_properties && {
      origin_domain: entry.pub_properties.origin_domain,
      seen_domains: entry.pub_properties.seen_domains,
    },
    device: device && {
      is_mobile: device.is_mobile,
      ja4_class: device.ja4_class,
      platform_class: device.platform_class,
      h2_fp_hash: device.h2_fp_hash,
      known_browser: device.known_browser,
    },
    network: network && { cluster_size: network.cluster_size },
    ids: Object.keys(ids).length === 0 ? undefined : ids,
  };
  // JSON.stringify leaves out the fields left undefined above.
  const text = JSON.stringify(ordered);
  const check = parseGraphEntry(text);
  if (!check.ok) {
    throw new TsError('internal', `refusing to write an invalid graph entry: ${check.error}`);
  }
  return text;
}

/** The metadata stored beside an entry: enough to decide consent and quality without the body. */
export interface GraphMetadata {
  ok: boolean;
  country: string;
  v: number;
  cluster_size?: number;
  is_mobile?: 0 | 1 | 2;
  known_browser?: boolean;
}

/** The entry's metadata as stored text (upstream `KvMetadata`), well under the 1000-byte limit. */
export function graphMetadata(entry: GraphEntry): string {
  const metadata: GraphMetadata = { ok: entry.consent.ok, country: entry.geo.country, v: entry.v };
  if (entry.network?.cluster_size !== undefined) metadata.cluster_size = entry.network.cluster_size;
  if (entry.device !== undefined) metadata.is_mobile = entry.device.is_mobile;
  if (entry.device?.known_browser !== undefined) {
    metadata.known_browser = entry.device.known_browser;
  }
  return JSON.stringify(metadata);
}

/** A withdrawal tombstone: consent withdrawn, no partner IDs, nothing about the person. */
export function isTombstone(entry: GraphEntry): boolean {
  return !entry.consent.ok;
}

/** What a request knows when it creates an entry. */
export interface GraphSeed {
  geo?: GraphGeo;
  /** The publisher domain of the request; dropped if it is not a valid host name. */
  publisherDomain?: string;
  device?: GraphDevice;
}

/** A live entry created now (`nowSeconds`), with no partner IDs yet. */
export function newGraphEntry(seed: GraphSeed, nowSeconds: number): GraphEntry {
  const entry: GraphEntry = {
    v: GRAPH_VERSION,
    created: nowSeconds,
    consent: { ok: true, updated: nowSeconds },
    geo: seed.geo ?? { country: 'ZZ' },
    ids: Object.create(null) as Record<string, GraphPartnerId>,
  };
  const origin =
    seed.publisherDomain === undefined ? undefined : storedDomain(seed.publisherDomain);
  if (origin !== undefined)
    entry.pub_properties = { origin_domain: origin, seen_domains: [origin] };
  if (seed.device !== undefined) entry.device = seed.device;
  return entry;
}

/** `{v:1, consent.ok:false, ids:{}}`: what a withdrawal leaves for 24 hours. */
export function tombstoneEntry(nowSeconds: number): GraphEntry {
  return {
    v: GRAPH_VERSION,
    created: nowSeconds,
    consent: { ok: false, updated: nowSeconds },
    geo: { country: 'ZZ' },
    ids: Object.create(null) as Record<string, GraphPartnerId>,
  };
}
