/**
 * One connection to the Redis server of `[store] url`, shared by the commands of one store, with
 * the failure behaviour the request path needs:
 *
 * - at start-up it connects within `timeoutMs` or fails with a {@link StoreOpenError} naming
 *   `[store] url` (password masked) and the cause, so `serve` stops instead of starting blind;
 * - at run time every command settles within `timeoutMs`: there is no offline queue, so a call
 *   made while Redis is away fails at once, and one that Redis does not answer (a hung server)
 *   fails when its time is up. Both become `store_unavailable`, never a request left hanging;
 * - the client reconnects on its own with a capped backoff, so calls succeed again when Redis
 *   returns, without reopening the store.
 */
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { TsError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { StoreOpenError } from './store-open-error.ts';

export interface RedisConnectionOptions {
  /** `[store] url`: `redis://` or `rediss://`, with credentials and database if any. */
  url: string;
  /** The bound on connecting at start-up and on every command after. */
  timeoutMs: number;
  /** Where losing and regaining the connection are reported (once each, never the password). */
  log?: Logger;
}

export type RedisClient = ReturnType<typeof createRedisClient>;

export interface RedisConnection {
  readonly client: RedisClient;
  /**
   * Runs one round trip (a command, a MULTI, a script). Any failure — Redis away, no answer in
   * time, an error reply — rejects as `store_unavailable` naming `what`; a TsError passes as is.
   */
  run<T>(what: string, command: (client: RedisClient) => Promise<T>): Promise<T>;
  /** Runs a Lua script by its SHA1, loading it first where Redis does not know it (a restart). */
  script(what: string, script: LuaScript, keys: string[], args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

/** A Lua script with its SHA1, for `EVALSHA`. */
export interface LuaScript {
  source: string;
  sha1: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/** The longest wait between two reconnection attempts, so recovery is noticed within a second. */
const MAX_BACKOFF_MS = 1000;

function createRedisClient(url: string, timeoutMs: number, onRetry: (cause: Error) => void) {
  return createClient({
    url,
    // A command made while the connection is down fails at once instead of waiting in a queue
    // that would hold the requests behind it.
    disableOfflineQueue: true,
    // Every command, sent or not, settles within the bound. A command timed out after it was
    // sent may still have been executed; the error says so, and callers treat it as a failure.
    commandOptions: { timeout: timeoutMs, rejectInFlight: true },
    socket: {
      connectTimeout: timeoutMs,
      reconnectStrategy: (retries: number, cause: Error) => {
        onRetry(cause);
        // Exponential from 50 ms, capped, with jitter so several instances do not retry in step.
        return Math.min(50 * 2 ** retries, MAX_BACKOFF_MS) + Math.floor(Math.random() * 50);
      },
    },
  });
}

export async function connectRedis(options: RedisConnectionOptions): Promise<RedisConnection> {
  const { url, timeoutMs } = options;
  const log = options.log ?? silentLogger;
  let lastError: Error | undefined;
  let connected = false;
  let lost = false;

  let client: RedisClient;
  try {
    client = createRedisClient(url, timeoutMs, (cause) => (lastError = cause));
  } catch (error) {
    // No cause attached: a URL parser's error may carry the whole URL, password included.
    throw openError(url, messageOf(error), undefined);
  }
  // The client reports every failed attempt as an 'error' event; unheard, it would end the process.
  client.on('error', (error: Error) => {
    lastError = error;
    if (connected && !lost) {
      lost = true;
      log.warn('store: lost the Redis connection; store calls fail until it returns', {
        cause: error.message,
      });
    }
  });
  client.on('ready', () => {
    if (lost) log.info('store: the Redis connection is back');
    lost = false;
  });

  // The client retries a failed first connection forever; start-up gives it `timeoutMs`, and
  // does not wait for a retry's backoff to finish to say so.
  const connecting = client.connect();
  connecting.catch(() => {});
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    deadline = setTimeout(() => reject(new Error('no answer')), timeoutMs);
  });
  try {
    await Promise.race([connecting, expired]);
    connected = true;
  } catch (error) {
    client.destroy();
    const cause = lastError ?? error;
    throw openError(
      url,
      `cannot connect within ${timeoutMs} ms (timeout_ms): ${lastError === undefined ? 'no answer' : messageOf(cause)}`,
      cause,
    );
  } finally {
    clearTimeout(deadline);
  }

  const run = async <T>(what: string, command: (redis: RedisClient) => Promise<T>) => {
    try {
      return await command(client);
    } catch (error) {
      if (error instanceof TsError) throw error;
      throw new TsError('store_unavailable', `redis store: ${what}: ${messageOf(error)}`, {
        cause: error,
      });
    }
  };

  return {
    client,
    run,
    script: (what, script, keys, args) =>
      run(what, async (redis) => {
        try {
          return await redis.evalSha(script.sha1, { keys, arguments: args });
        } catch (error) {
          // Redis forgets scripts when it restarts: send the source once, it caches it again.
          if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
          return await redis.eval(script.source, { keys, arguments: args });
        }
      }),
    async close() {
      if (!client.isOpen) return;
      if (!client.isReady) {
        client.destroy();
        return;
      }
      // Waits for the commands in flight, each bounded by the command timeout.
      await client.close().catch(() => client.destroy());
    },
  };
}

/** `[store] url` as it may be shown: the password, if any, replaced by `***`. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.href;
  } catch {
    // Not a URL (the settings check refuses those): hide anything between `//` and `@`.
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function openError(url: string, detail: string, cause: unknown): StoreOpenError {
  return new StoreOpenError(
    `[store] url "${redactRedisUrl(url)}": ${detail}`,
    cause === undefined ? undefined : { cause },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
