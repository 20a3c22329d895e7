/**
 * The identity graph (upstream `ec/kv.rs`): one entry per Edge Cookie ID in the KV store, holding
 * the consent state, coarse geo and device classes, and the UIDs partners synced for that browser.
 *
 * Every read-modify-write is optimistic: read with the generation, write only if it is unchanged,
 * start over if not, at most {@link MAX_ATTEMPTS} times and without sleeping (a sleeping request
 * holds an edge worker). Two partners syncing into one entry at once both land. On a store without
 * compare-and-swap (`capabilities.cas` false: Workers KV, Fastly) the same calls run and the last
 * writer wins, as the capability says.
 *
 * Each operation is one write of a whole entry: a store failure leaves the previous entry, never
 * half of a new one. Store failures surface as the store's `store_unavailable`; a race lost every
 * time as `store_conflict`.
 */
import { TsError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { KvPutMode, KvPutResult, KvStore } from '../store/kv.ts';
import { ecHash, ecLogId, isValidEcId } from './ec-id.ts';
import {
  graphMetadata,
  isTombstone,
  newGraphEntry,
  parseGraphEntry,
  partnerKeyProblem,
  serializeGraphEntry,
  tombstoneEntry,
  incomingUidProblem,
  type GraphEntry,
  type GraphSeed,
} from './graph-entry.ts';

/** A live entry lives as long as the cookie (`Max-Age` one year). */
export const ENTRY_TTL_SECONDS = 365 * 24 * 60 * 60;
/** A withdrawal is remembered a day: long enough for partner syncs in flight to be refused. */
export const TOMBSTONE_TTL_SECONDS = 24 * 60 * 60;
/** Reads + conditional writes per operation before it gives up with `store_conflict`. */
export const MAX_ATTEMPTS = 5;
/** Counting stops here: past 100 IDs behind one address, the exact number says nothing more. */
export const CLUSTER_COUNT_LIMIT = 100;

export interface StoredGraphEntry {
  entry: GraphEntry;
  /** The store's generation of what was read: the condition of the next write. */
  generation: string;
}

export interface PartnerIdWrite {
  sourceDomain: string;
  uid: string;
}

/** `ineligible`: no entry (partners never create one), or a withdrawal tombstone. */
export type UpsertOutcome = 'written' | 'unchanged' | 'ineligible';

export interface IdentityGraph {
  /** The entry, or null. An entry that is not valid JSON of schema v1 fails as `internal`. */
  get(id: string): Promise<StoredGraphEntry | null>;
  /** Writes a new entry only if there is none. */
  create(id: string, seed: GraphSeed): Promise<'created' | 'exists'>;
  /** As `create`, and replaces a tombstone: a user who consents again is back at once. */
  createOrRevive(id: string, seed: GraphSeed): Promise<'created' | 'revived' | 'exists'>;
  /**
   * Merges partner UIDs into a live entry in one write (the last UID of a partner named twice
   * wins). No write when every UID is already there. Refuses an ID, source domain or UID that
   * could not be stored with `bad_request`, before any store call.
   */
  upsertPartnerIds(id: string, ids: readonly PartnerIdWrite[]): Promise<UpsertOutcome>;
  upsertPartnerIdIfExists(id: string, sourceDomain: string, uid: string): Promise<UpsertOutcome>;
  /** Replaces the entry, whatever it held, with a tombstone for 24 hours. */
  writeWithdrawalTombstone(id: string): Promise<void>;
  /**
   * How many IDs share this one's hash (at most {@link CLUSTER_COUNT_LIMIT}): 1–2 a household,
   * many an office or a carrier NAT. Stored in the entry once counted, and read from there after;
   * the write-back is best effort. Null for a missing entry or a tombstone (whose 24 hours no write
   * may extend). Pass the entry just read as `known` to save a read.
   */
  evaluateCluster(id: string, known?: StoredGraphEntry | null): Promise<number | null>;
}

export interface IdentityGraphOptions {
  /** Epoch milliseconds. */
  now(): number;
  log?: Logger;
}

export function createIdentityGraph(kv: KvStore, options: IdentityGraphOptions): IdentityGraph {
  const log = options.log ?? silentLogger;
  const nowSeconds = () => Math.floor(options.now() / 1000);

  const checkId = (id: string): void => {
    if (!isValidEcId(id)) {
      throw new TsError('bad_request', `not an Edge Cookie ID (${ecLogId(id)})`, {
        publicMessage: 'Invalid Edge Cookie ID',
      });
    }
  };

  const write = (
    id: string,
    entry: GraphEntry,
    mode: KvPutMode,
    ttlSeconds = ENTRY_TTL_SECONDS,
  ): Promise<KvPutResult> =>
    kv.put(id, serializeGraphEntry(entry), { mode, ttlSeconds, metadata: graphMetadata(entry) });

  const read = async (id: string): Promise<StoredGraphEntry | null> => {
    const stored = await kv.get(id);
    if (stored === null) return null;
    const parsed = parseGraphEntry(stored.value);
    if (!parsed.ok) {
      throw new TsError(
        'internal',
        `identity graph entry ${ecLogId(id)} is unreadable: ${parsed.error}`,
      );
    }
    return { entry: parsed.entry, generation: stored.generation };
  };

  const conflict = (operation: string, id: string): TsError =>
    new TsError(
      'store_conflict',
      `${operation}: entry ${ecLogId(id)} changed under ${MAX_ATTEMPTS} attempts in a row`,
    );

  const upsertPartnerIds = async (
    id: string,
    ids: readonly PartnerIdWrite[],
  ): Promise<UpsertOutcome> => {
    checkId(id);
    const latest = new Map<string, string>();
    for (const { sourceDomain, uid } of ids) {
      const problem =
        partnerKeyProblem(sourceDomain) === undefined
          ? incomingUidProblem(uid)
          : `source domain ${partnerKeyProblem(sourceDomain) as string}`;
      if (problem !== undefined) {
        throw new TsError(
          'bad_request',
          `partner UID for ${sourceDomain.slice(0, 64)} ${problem}`,
          {
            publicMessage: 'Invalid partner UID',
          },
        );
      }
      latest.set(sourceDomain, uid);
    }
    if (latest.size === 0) return 'unchanged';
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await read(id);
      // A late sync must not bring back IDs after a withdrawal, nor create an entry of its own.
      if (current === null || isTombstone(current.entry)) return 'ineligible';
      const entry = current.entry;
      let changed = false;
      for (const [sourceDomain, uid] of latest) {
        if (Object.hasOwn(entry.ids, sourceDomain) && entry.ids[sourceDomain]?.uid === uid)
          continue;
        entry.ids[sourceDomain] = { uid };
        changed = true;
      }
      if (!changed) return 'unchanged';
      const result = await write(id, entry, {
        kind: 'if-generation',
        generation: current.generation,
      });
      if (result.ok) return 'written';
      log.debug('identity graph: partner upsert lost a race, retrying', {
        id: ecLogId(id),
        attempt,
      });
    }
    throw conflict('partner upsert', id);
  };

  return {
    get: async (id) => {
      checkId(id);
      return read(id);
    },

    create: async (id, seed) => {
      checkId(id);
      const result = await write(id, newGraphEntry(seed, nowSeconds()), { kind: 'add' });
      return result.ok ? 'created' : 'exists';
    },

    createOrRevive: async (id, seed) => {
      checkId(id);
      const entry = newGraphEntry(seed, nowSeconds());
      if ((await write(id, entry, { kind: 'add' })).ok) return 'created';
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const current = await read(id);
        if (current === null) {
          // Expired or deleted since the first write found it.
          if ((await write(id, entry, { kind: 'add' })).ok) return 'created';
          continue;
        }
        // A live entry (perhaps revived by a concurrent request) is kept as it is.
        if (!isTombstone(current.entry)) return 'exists';
        const revived = await write(id, entry, {
          kind: 'if-generation',
          generation: current.generation,
        });
        if (revived.ok) {
          log.info('identity graph: revived a withdrawn entry', { id: ecLogId(id) });
          return 'revived';
        }
      }
      throw conflict('revive', id);
    },

    upsertPartnerIds,

    upsertPartnerIdIfExists: (id, sourceDomain, uid) =>
      upsertPartnerIds(id, [{ sourceDomain, uid }]),

    writeWithdrawalTombstone: async (id) => {
      checkId(id);
      // Unconditional: the withdrawal wins whatever was written in between.
      await write(id, tombstoneEntry(nowSeconds()), { kind: 'overwrite' }, TOMBSTONE_TTL_SECONDS);
    },

    evaluateCluster: async (id, known) => {
      checkId(id);
      const current = known === undefined ? await read(id) : known;
      if (current === null || isTombstone(current.entry)) return null;
      const stored = current.entry.network?.cluster_size;
      if (stored !== undefined) return stored;
      const size = await kv.countPrefix(`${ecHash(id)}.`, CLUSTER_COUNT_LIMIT);
      const entry: GraphEntry = {
        ...current.entry,
        network: { ...current.entry.network, cluster_size: size },
      };
      try {
        const result = await write(id, entry, {
          kind: 'if-generation',
          generation: current.generation,
        });
        if (!result.ok) {
          log.debug('identity graph: cluster size not stored, the entry changed', {
            id: ecLogId(id),
          });
        }
      } catch (error) {
        log.warn('identity graph: cluster size not stored', {
          id: ecLogId(id),
          error: error instanceof Error ? error.message : String(error),
        });
      }
      return size;
    },
  };
}
