/**
 * The keystore on the server's own `kv` store (Node's SQLite or Redis, Cloudflare's Durable
 * Object): the whole key ring in ONE entry, changed by compare-and-swap.
 *
 * Upstream keeps a ring in four places (seed, JWK, `active-kids`, `current-kid`) and writes them
 * in order, rolling back on failure, so a reader never sees a published kid without its seed. One
 * atomic write is the stronger form of that rule: a reader sees the ring before or after a change,
 * never between, and two admins rotating at once cannot lose a key (the loser re-reads and
 * retries, kv-update.ts). A store without compare-and-swap (Workers KV) can be read, but every
 * write is refused: there, the last of two concurrent writes would silently drop the other's key.
 */
import { TsError } from '../errors.ts';
import { Secret } from '../settings/secret.ts';
import { KV_LIMITS, type KvStore } from '../store/kv.ts';
import { updateKv } from '../store/kv-update.ts';
import { encodeBase64 } from './base64.ts';
import { createEd25519Signer, defaultEd25519Backend, seedProblem } from './ed25519.ts';
import { ED25519_SEED_BYTES, type Ed25519Backend } from './ed25519-backend.ts';
import { publicJwk, serializeJwk } from './jwk.ts';
import {
  deactivateInRing,
  EMPTY_KEY_RING,
  importIntoRing,
  parseKeyRing,
  rotateRing,
  serializeKeyRing,
  type KeyRing,
} from './key-ring.ts';
import { assertCreatableKid, kidFormatProblem, nextKid } from './kid.ts';
import { readOnlyKeyStoreError, type KeyStore } from './keystore.ts';

/** The one entry. A path-like name no Edge Cookie ID (hex and a dot) can ever take. */
export const KEY_RING_KEY = 'signing/keyring';

const encoder = new TextEncoder();

/**
 * Refuses (409) a ring whose stored form is over the store's value limit, before the store's own
 * 413 would: deactivated keys stay in the ring until deleted, so daily rotation fills the entry
 * in a little over a year. The message says what to delete.
 */
function assertRingFits(ring: KeyRing, text: string): void {
  const bytes = encoder.encode(text).byteLength;
  if (bytes <= KV_LIMITS.valueBytes) return;
  const inactive = [...ring.keys.keys()].filter((kid) => !ring.active.includes(kid)).length;
  const detail =
    `the signing key ring would be ${bytes} bytes, over the store's ${KV_LIMITS.valueBytes}-byte ` +
    `value limit: it holds ${ring.keys.size} keys, ${inactive} of them inactive; delete inactive ` +
    'keys (`trusted-server keys deactivate --kid K --delete`, or "delete": true on ' +
    '/_ts/admin/keys/deactivate)';
  throw new TsError('store_conflict', detail, { publicMessage: `Conflict: ${detail}` });
}

/**
 * How long a read ring is reused. Signing and discovery must not hit the store per request; a
 * few seconds bounds how long another instance's rotation goes unseen (this instance's own writes
 * replace the cached ring at once).
 */
export const KEY_RING_CACHE_MS = 5000;

/**
 * Key changes are rare, but a deploy script may rotate on several instances at once: each losing
 * writer re-reads and retries, so this bounds how many can collide before one gives up (409).
 */
const WRITE_ATTEMPTS = 25;

export interface KvKeyStoreOptions {
  /** Rotation-out overlap (`rotation_overlap_secs`), in ms. */
  overlapMs: number;
  now?: () => number;
  cacheMs?: number;
  backend?: Ed25519Backend;
  randomUuid?: () => string;
}

interface GeneratedKey {
  publicKey: Uint8Array;
  seed: Secret;
}

async function generateKey(backend: Ed25519Backend | undefined): Promise<GeneratedKey> {
  const seed = crypto.getRandomValues(new Uint8Array(ED25519_SEED_BYTES));
  const pair = await (backend ?? (await defaultEd25519Backend())).keyPairFromSeed(seed);
  const text = new Secret(encodeBase64(seed));
  seed.fill(0);
  return { publicKey: pair.publicKey, seed: text };
}

/** The kv keystore also hands out its whole ring (the CLI's `list`). */
export interface KvKeyStore extends KeyStore {
  ring(): Promise<KeyRing>;
}

export function createKvKeyStore(kv: KvStore, options: KvKeyStoreOptions): KvKeyStore {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? KEY_RING_CACHE_MS;
  const randomUuid = options.randomUuid ?? (() => crypto.randomUUID());
  const readOnlyReason = kv.capabilities.cas
    ? undefined
    : `the ${kv.kind} store has no compare-and-swap, so a concurrent change could lose a key: ` +
      'keep signing keys in a store that has it (a Durable Object on Cloudflare, SQLite or Redis on Node)';
  let cached: { ring: KeyRing; until: number } | undefined;

  const remember = (ring: KeyRing): KeyRing => {
    cached = { ring, until: now() + cacheMs };
    return ring;
  };

  const read = async (): Promise<KeyRing> => {
    if (cached !== undefined && now() < cached.until) return cached.ring;
    const entry = await kv.get(KEY_RING_KEY);
    return remember(entry === null ? EMPTY_KEY_RING : parseKeyRing(entry.value));
  };

  /** Applies `change` to the stored ring atomically; returns the ring before and after. */
  const update = async (
    change: (ring: KeyRing) => KeyRing,
  ): Promise<{ before: KeyRing; after: KeyRing }> => {
    if (readOnlyReason !== undefined) throw readOnlyKeyStoreError(readOnlyReason);
    let before = EMPTY_KEY_RING;
    let after = EMPTY_KEY_RING;
    await updateKv(
      kv,
      KEY_RING_KEY,
      (entry) => {
        before = entry === null ? EMPTY_KEY_RING : parseKeyRing(entry.value);
        after = change(before);
        const text = serializeKeyRing(after);
        assertRingFits(after, text);
        return text;
      },
      { attempts: WRITE_ATTEMPTS },
    );
    remember(after);
    return { before, after };
  };

  return {
    kind: kv.kind,
    currentKid: async () => (await read()).current,
    activeKids: async () => (await read()).active,
    jwk: async (kid) => {
      const key = (await read()).keys.get(kid);
      return key === undefined ? undefined : serializeJwk(key.jwk);
    },
    seed: async (kid) => (await read()).keys.get(kid)?.seed,
    ring: read,

    async rotate(kid) {
      if (kid !== undefined) assertCreatableKid(kid);
      const generated = await generateKey(options.backend);
      let newKid = '';
      const { before, after } = await update((ring) => {
        newKid = kid ?? nextKid(ring.keys.keys(), now(), randomUuid);
        const jwk = publicJwk(newKid, generated.publicKey);
        return rotateRing(ring, { kid: newKid, jwk, seed: generated.seed }, now());
      });
      const stored = after.keys.get(newKid);
      if (stored === undefined) throw new TsError('internal', 'rotated key missing from the ring');
      return {
        newKid,
        previousKid: before.current,
        activeKids: after.active,
        jwk: stored.jwk,
      };
    },

    async deactivate(kid, { delete: remove }) {
      const { after } = await update((ring) =>
        deactivateInRing(ring, kid, { delete: remove, nowMs: now(), overlapMs: options.overlapMs }),
      );
      return { kid, deleted: remove, remainingActiveKids: after.active };
    },

    async importKey(kid, seed) {
      // The looser rule: an imported kid was created elsewhere (upstream's hand-made fixture
      // kids start with an upper-case letter after `ts-`, and older ones may not start with one).
      const problem = kidFormatProblem(kid);
      if (problem !== undefined) {
        throw new TsError('bad_request', problem, { publicMessage: `Bad request: ${problem}` });
      }
      const seedIssue = seedProblem(seed.reveal());
      if (seedIssue !== undefined) throw new TsError('bad_request', `signing key ${seedIssue}`);
      const { publicKey } = await createEd25519Signer(seed.reveal(), options.backend);
      const jwk = publicJwk(kid, publicKey);
      const { before } = await update((ring) =>
        importIntoRing(ring, { kid, jwk, seed: new Secret(seed.reveal()) }, now()),
      );
      return { kid, becameCurrent: before.current === undefined, jwk };
    },
  };
}
