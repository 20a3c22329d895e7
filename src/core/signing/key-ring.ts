/**
 * The key ring: every signing key this server knows, which one signs (`current`) and which ones
 * verifiers are told about (`active`), as pure functions over an immutable value. The stores
 * (kv-keystore.ts) only load, save and cache it; every rule lives here, so it is tested once.
 *
 * Upstream's rules (HEAD `request_signing/rotation.rs`), kept as they are: a kid names one key
 * forever (a new one must be unused, active or not); a rotation appends the new kid to `active`
 * and makes it current; the current key and the last active key cannot be deactivated; a
 * deactivated key stays verifiable by `/verify-signature` until it is deleted. Added here: the
 * overlap window. A key rotated out of `current` records when (`retiredAt`) and stays published
 * for `overlapMs` more, so verifiers that cached the old discovery document still find it.
 */
import { TsError } from '../errors.ts';
import { Secret } from '../settings/secret.ts';
import type { Ed25519PublicJwk } from './jwk.ts';
import { kidFormatProblem } from './kid.ts';

export interface StoredKey {
  readonly kid: string;
  /** The public JWK as published. */
  readonly jwk: Ed25519PublicJwk;
  /**
   * The 32-byte seed, standard base64. A `Secret`: `JSON.stringify`, template strings and
   * `util.inspect` print `[redacted]`, so a key handed to a logger or a response cannot leak it.
   */
  readonly seed: Secret;
  /** Unix ms. */
  readonly createdAt: number;
  /** Unix ms the key stopped being current; absent while current, or if it never was. */
  readonly retiredAt?: number;
}

export interface KeyRing {
  readonly current: string | undefined;
  /** Published in the discovery document, in this order. */
  readonly active: readonly string[];
  /** Every stored key, active or not, by kid. */
  readonly keys: ReadonlyMap<string, StoredKey>;
}

export const EMPTY_KEY_RING: KeyRing = { current: undefined, active: [], keys: new Map() };

export type KeyState = 'current' | 'active' | 'retired' | 'inactive';

/**
 * `current` signs; `active` is published and never was current (an import beside a current key);
 * `retired` was current and is still published; `inactive` is verifiable but no longer published.
 */
export function keyState(ring: KeyRing, kid: string): KeyState {
  if (ring.current === kid) return 'current';
  if (!ring.active.includes(kid)) return 'inactive';
  return ring.keys.get(kid)?.retiredAt === undefined ? 'active' : 'retired';
}

/** A new key: its kid (checked by the caller), JWK and seed. */
export interface NewKey {
  readonly kid: string;
  readonly jwk: Ed25519PublicJwk;
  readonly seed: Secret;
}

function conflict(detail: string): TsError {
  return new TsError('store_conflict', detail, { publicMessage: `Conflict: ${detail}` });
}

function withKey(keys: ReadonlyMap<string, StoredKey>, key: StoredKey): Map<string, StoredKey> {
  const next = new Map(keys);
  next.set(key.kid, key);
  return next;
}

/** Marks the key leaving `current` as retired now; the ring's other keys are untouched. */
function retireCurrent(ring: KeyRing, nowMs: number): Map<string, StoredKey> {
  const keys = new Map(ring.keys);
  const previous = ring.current === undefined ? undefined : keys.get(ring.current);
  if (previous !== undefined) keys.set(previous.kid, { ...previous, retiredAt: nowMs });
  return keys;
}

function refuseTakenKid(ring: KeyRing, kid: string): void {
  if (ring.keys.has(kid) || ring.active.includes(kid)) {
    throw conflict(`kid '${kid}' already exists; choose a unique kid`);
  }
}

/** The ring after a rotation: `key` stored, appended to `active` and made current. */
export function rotateRing(ring: KeyRing, key: NewKey, nowMs: number): KeyRing {
  refuseTakenKid(ring, key.kid);
  const keys = withKey(retireCurrent(ring, nowMs), { ...key, createdAt: nowMs });
  return { current: key.kid, active: [...ring.active, key.kid], keys };
}

/**
 * The ring after importing a key carried over from elsewhere (an upstream deployment): stored and
 * published; current only when nothing is, so an import never changes which key signs.
 */
export function importIntoRing(ring: KeyRing, key: NewKey, nowMs: number): KeyRing {
  refuseTakenKid(ring, key.kid);
  const keys = withKey(ring.keys, { ...key, createdAt: nowMs });
  return {
    current: ring.current ?? key.kid,
    active: [...ring.active, key.kid],
    keys,
  };
}

export interface DeactivateOptions {
  /** Remove the key entirely (no longer verifiable) rather than only unpublish it. */
  readonly delete: boolean;
  readonly nowMs: number;
  readonly overlapMs: number;
}

/**
 * The ring without `kid` in `active` (and without the key at all with `delete`). Refused: an
 * unknown kid (404), the current kid, the last active kid, and a retired key still inside its
 * overlap window (409, saying when it becomes possible). Deactivating an inactive key again is
 * a no-op; deleting it removes it.
 */
export function deactivateInRing(ring: KeyRing, kid: string, options: DeactivateOptions): KeyRing {
  const problem = kidFormatProblem(kid);
  if (problem !== undefined) {
    throw new TsError('bad_request', problem, { publicMessage: `Bad request: ${problem}` });
  }
  const key = ring.keys.get(kid);
  if (key === undefined && !ring.active.includes(kid)) {
    throw new TsError('not_found', `no signing key '${kid}'`, {
      publicMessage: `Not Found: no signing key '${kid}'`,
    });
  }
  const operation = options.delete ? 'delete' : 'deactivate';
  if (ring.current === kid) {
    throw conflict(
      `cannot ${operation} '${kid}' because it is the current signing key; rotate first`,
    );
  }
  const active = ring.active.filter((entry) => entry !== kid);
  if (active.length !== ring.active.length) {
    if (active.length === 0) throw conflict('cannot deactivate the last active key');
    const retiredAt = key?.retiredAt;
    if (retiredAt !== undefined && options.nowMs < retiredAt + options.overlapMs) {
      const possible = new Date(retiredAt + options.overlapMs).toISOString();
      throw conflict(
        `cannot ${operation} '${kid}' before ${possible}: verifiers may still hold it (rotation_overlap_secs)`,
      );
    }
  }
  if (!options.delete) return { ...ring, active };
  const keys = new Map(ring.keys);
  keys.delete(kid);
  return { ...ring, active, keys };
}

/* ----------------------------------------------------------------------------------------------
 * The stored form: one JSON document, so a store with compare-and-swap changes the whole ring in
 * one atomic write (kv-keystore.ts).
 * -------------------------------------------------------------------------------------------- */

const RING_FORMAT = 1;

/** The seed's field name says what it is, so nobody copies the stored document around lightly. */
interface StoredKeyJson {
  jwk: Ed25519PublicJwk;
  secret_seed_base64: string;
  created_at: number;
  retired_at?: number;
}

interface KeyRingJson {
  format: number;
  current: string | null;
  active: string[];
  keys: Record<string, StoredKeyJson>;
}

/** The document as stored. The only place a seed is revealed into text other than signing. */
export function serializeKeyRing(ring: KeyRing): string {
  // Built from entries, never by assignment into `{}`: a kid such as `__proto__` must stay a key.
  const keys: Record<string, StoredKeyJson> = Object.fromEntries(
    [...ring.keys.values()].map((key): [string, StoredKeyJson] => [
      key.kid,
      {
        jwk: key.jwk,
        secret_seed_base64: key.seed.reveal(),
        created_at: key.createdAt,
        ...(key.retiredAt === undefined ? {} : { retired_at: key.retiredAt }),
      },
    ]),
  );
  const json: KeyRingJson = {
    format: RING_FORMAT,
    current: ring.current ?? null,
    active: [...ring.active],
    keys,
  };
  return JSON.stringify(json);
}

function corrupt(detail: string): TsError {
  return new TsError('configuration', `stored signing key ring is corrupt: ${detail}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parseStoredKey(kid: string, value: unknown): StoredKey {
  if (!isObject(value)) throw corrupt(`key '${kid}' is not an object`);
  const { jwk, secret_seed_base64: seed, created_at: createdAt, retired_at: retiredAt } = value;
  if (!isObject(jwk) || typeof jwk['x'] !== 'string') throw corrupt(`key '${kid}' has no JWK`);
  if (typeof seed !== 'string') throw corrupt(`key '${kid}' has no seed`);
  if (typeof createdAt !== 'number') throw corrupt(`key '${kid}' has no created_at`);
  if (retiredAt !== undefined && typeof retiredAt !== 'number') {
    throw corrupt(`key '${kid}' has a retired_at that is not a number`);
  }
  return {
    kid,
    jwk: jwk as unknown as Ed25519PublicJwk,
    seed: new Secret(seed),
    createdAt,
    ...(retiredAt === undefined ? {} : { retiredAt }),
  };
}

/** Throws `configuration` (never echoing the text: it holds seeds) when the document is broken. */
export function parseKeyRing(text: string): KeyRing {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  if (!isObject(parsed) || parsed['format'] !== RING_FORMAT) throw corrupt('unknown format');
  const { current, active, keys } = parsed;
  if (current !== null && typeof current !== 'string') throw corrupt('current is not a kid');
  if (!Array.isArray(active) || !active.every((kid) => typeof kid === 'string')) {
    throw corrupt('active is not a list of kids');
  }
  if (!isObject(keys)) throw corrupt('keys is not an object');
  const map = new Map<string, StoredKey>();
  for (const [kid, value] of Object.entries(keys)) map.set(kid, parseStoredKey(kid, value));
  return { current: current ?? undefined, active: active, keys: map };
}
