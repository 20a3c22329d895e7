/**
 * `[store]`: where the server keeps its state (the identity graph, next the signing keys).
 * Node only; the edges use their platform's stores. Either a SQLite file (`path`, the default:
 * nothing to install, survives restarts, shared by the processes of one machine) or a Redis server
 * (`url`, when several machines share the state) — never both.
 */
import { int, object, secret, str } from '../schema.ts';

/** Where the SQLite file goes when neither key is given, relative to the working directory. */
export const DEFAULT_STORE_PATH = 'data/trusted-server.db';

export const store = object({
  /** A SQLite file (created with its directory on first start), or `:memory:` to keep nothing. */
  path: str().optional(),
  /**
   * A secret: a Redis URL usually carries a password, so it is never printed (`config check`,
   * logs, errors) and an edge build keeps it out of the bundle.
   */
  url: secret()
    .check((value) => {
      let url: URL;
      try {
        url = new URL(value.reveal());
      } catch {
        // Never echo it: a password with a "/" would defeat any masking of a broken URL.
        return 'must be a redis:// or rediss:// URL (value hidden: it may hold a password)';
      }
      if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
        return `must be a redis:// or rediss:// URL, got a ${url.protocol.slice(0, -1)}: URL`;
      }
      return undefined;
    })
    .optional(),
  /**
   * How long a store call may take before it fails (Redis: connecting and each command; SQLite:
   * waiting for another process's write lock). A store that is down must fail requests fast, not
   * hold them.
   */
  timeout_ms: int({ min: 1, max: 60000 }).default(250),
}).check((table) =>
  table.path !== undefined && table.url !== undefined
    ? 'takes either path (a SQLite file) or url (a Redis server), not both'
    : undefined,
);
