/**
 * The {@link KvStore} of several Trusted Server instances behind one load balancer: one Redis
 * server (`[store] url`), so every instance sees the same identity graph.
 *
 * Layout: every entry is one hash under `<keyPrefix>kv:<key>` with the fields `v` (value),
 * `m` (metadata, absent when none), `g` (generation) and `x` (expiry, epoch ms, absent when
 * none). Writes that depend on what is there (`add`, `if-generation`) run as one Lua script, so
 * they are atomic however many instances write; an overwrite is a script too, so it replaces the
 * whole hash at once.
 *
 * Time: an entry is live while `x` is later than the instance's own clock (`now`), the same rule
 * as the other stores, so the instances' clocks must roughly agree (NTP): an entry expires for
 * each instance at its own idea of that moment. Redis only collects the hash, with a relative
 * PEXPIRE of the TTL plus a grace period, so a clock that differs from Redis's never deletes an
 * entry an instance still considers live.
 *
 * Guarantees (`capabilities`): compare-and-swap, TTL and consistent reads hold for one Redis
 * primary, which is what the URL names. With replicas and failover (Sentinel, a managed service's
 * automatic failover) replication is asynchronous: writes acknowledged just before a failover can
 * be lost, and a CAS that succeeded may be undone. Redis Cluster is not supported (countPrefix
 * scans one node).
 */
import type { Logger } from '../../core/log.ts';
import {
  checkCountLimit,
  checkKey,
  checkPut,
  newGeneration,
  type KvEntry,
  type KvPutOptions,
  type KvPutResult,
  type KvStore,
} from '../../core/store/kv.ts';
import { connectRedis, luaScript, type RedisConnection } from './redis-connection.ts';

export interface RedisKvOptions {
  /** `[store] url`. */
  url: string;
  /** `[store] timeout_ms`: connecting at start-up, and every command. */
  timeoutMs: number;
  now?: () => number;
  /** Namespace of every key this store writes (default `ts:`), for a Redis shared with others. */
  keyPrefix?: string;
  log?: Logger;
}

/** How long Redis keeps an entry past its TTL before collecting it: room for clock skew. */
const COLLECT_GRACE_MS = 5 * 60 * 1000;

/** Keys asked of SCAN per round trip: fewer round trips, each still short on the server. */
const SCAN_COUNT = 1000;

/**
 * KEYS[1] the entry. ARGV: now, mode (`overwrite`, `add`, `if`), the expected generation, value,
 * new generation, has-metadata (`1`/`0`), metadata, expiry (epoch ms or empty), collect-after (ms).
 * Returns 1 when written, 0 when the mode's condition failed.
 */
const PUT = luaScript(`
local now = tonumber(ARGV[1])
local mode = ARGV[2]
if mode ~= 'overwrite' then
  local current = redis.call('HMGET', KEYS[1], 'g', 'x')
  local live = current[1] and (not current[2] or tonumber(current[2]) > now)
  if mode == 'add' and live then return 0 end
  if mode == 'if' and (not live or current[1] ~= ARGV[3]) then return 0 end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[4], 'g', ARGV[5])
if ARGV[6] == '1' then redis.call('HSET', KEYS[1], 'm', ARGV[7]) end
if ARGV[8] ~= '' then
  redis.call('HSET', KEYS[1], 'x', ARGV[8])
  redis.call('PEXPIRE', KEYS[1], ARGV[9])
end
return 1
`);

/** KEYS[1] the entry, ARGV[1] now. Deletes it; returns 1 if it was live. */
const DELETE = luaScript(`
local current = redis.call('HMGET', KEYS[1], 'g', 'x')
redis.call('DEL', KEYS[1])
if current[1] and (not current[2] or tonumber(current[2]) > tonumber(ARGV[1])) then return 1 end
return 0
`);

/** KEYS: entries found by SCAN, ARGV[1] now. Returns how many of them are live. */
const COUNT_LIVE = luaScript(`
local now = tonumber(ARGV[1])
local n = 0
for _, key in ipairs(KEYS) do
  local entry = redis.call('HMGET', key, 'g', 'x')
  if entry[1] and (not entry[2] or tonumber(entry[2]) > now) then n = n + 1 end
end
return n
`);

export async function openRedisKv(options: RedisKvOptions): Promise<KvStore> {
  const connection = await connectRedis(options);
  return createRedisKv(connection, options);
}

function createRedisKv(
  connection: RedisConnection,
  options: Pick<RedisKvOptions, 'now' | 'keyPrefix'>,
): KvStore {
  const now = options.now ?? Date.now;
  const namespace = `${options.keyPrefix ?? 'ts:'}kv:`;
  const entryKey = (key: string) => namespace + key;

  return {
    kind: 'redis',
    capabilities: { cas: true, ttl: true, consistent: true },

    async get(key: string): Promise<KvEntry | null> {
      checkKey(key);
      const [value, metadata, generation, expiresAt] = await connection.run('get', (redis) =>
        redis.hmGet(entryKey(key), ['v', 'm', 'g', 'x']),
      );
      // Absent fields come back as null (and a missing key as all nulls).
      if (typeof value !== 'string' || typeof generation !== 'string') return null;
      if (typeof expiresAt === 'string' && Number(expiresAt) <= now()) return null;
      return typeof metadata === 'string' ? { value, metadata, generation } : { value, generation };
    },

    async put(key: string, value: string, putOptions?: KvPutOptions): Promise<KvPutResult> {
      checkPut(key, value, putOptions);
      const mode = putOptions?.mode ?? { kind: 'overwrite' };
      const generation = newGeneration();
      const ttl = putOptions?.ttlSeconds;
      const at = now();
      const written = await connection.script(
        'put',
        PUT,
        [entryKey(key)],
        [
          String(at),
          mode.kind === 'if-generation' ? 'if' : mode.kind,
          mode.kind === 'if-generation' ? mode.generation : '',
          value,
          generation,
          putOptions?.metadata === undefined ? '0' : '1',
          putOptions?.metadata ?? '',
          ttl === undefined ? '' : String(at + ttl * 1000),
          ttl === undefined ? '' : String(ttl * 1000 + COLLECT_GRACE_MS),
        ],
      );
      if (written === 1) return { ok: true, generation };
      return { ok: false, reason: mode.kind === 'add' ? 'exists' : 'generation-mismatch' };
    },

    async delete(key: string): Promise<boolean> {
      checkKey(key);
      const deleted = await connection.script('delete', DELETE, [entryKey(key)], [String(now())]);
      return deleted === 1;
    },

    async countPrefix(prefix: string, limit: number): Promise<number> {
      checkCountLimit(limit);
      // SCAN walks the whole keyspace in steps and may return a key twice: count each once.
      const match = `${escapeGlob(namespace)}${escapeGlob(prefix)}*`;
      const seen = new Set<string>();
      let count = 0;
      let cursor = '0';
      do {
        const reply = await connection.run('countPrefix', (redis) =>
          redis.scan(cursor, { MATCH: match, COUNT: SCAN_COUNT }),
        );
        cursor = String(reply.cursor);
        const found = reply.keys.map(String).filter((key) => !seen.has(key));
        if (found.length === 0) continue;
        for (const key of found) seen.add(key);
        const live = await connection.script('countPrefix', COUNT_LIVE, found, [String(now())]);
        count += typeof live === 'number' ? live : 0;
        if (count >= limit) return limit;
      } while (cursor !== '0');
      return count;
    },

    close: () => connection.close(),
  };
}

/**
 * `text` as a literal in a Redis glob pattern: its metacharacters (`*`, `?`, `[`, `]`, and `\`
 * itself) escaped with a backslash, so a prefix matches only itself.
 */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
