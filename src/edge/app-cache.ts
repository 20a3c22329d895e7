/**
 * One app per isolate or sandbox, shared by every edge entry. Building needs what only a request
 * can reach (Worker secrets arrive in `env`; Fastly's Secret and Config Stores are readable only
 * while handling a request), so the first request builds it and later ones share it. A failed
 * first build is not cached: the next request tries again, and its error is answered like any
 * other; a failed rebuild keeps the working app (`onStaleRebuildError`).
 * Concurrent callers share one build. With `ttlMs` the app is rebuilt after that long, so values
 * read at run time (Fastly's Config Store) reach a long-lived sandbox; without it the app lives as
 * long as the isolate.
 */
export interface AppCache<Input, T> {
  /** The cached app (synchronously, the hot path), or the build it is waiting for. */
  get(input: Input): T | Promise<T>;
}

export interface AppCacheOptions {
  /** Rebuild after this many milliseconds; absent: never. */
  ttlMs?: number;
  /**
   * A rebuild of a working app failed (a store briefly unreachable): the old app keeps serving,
   * the rebuild is tried again after {@link STALE_RETRY_MS}, and this hears why.
   */
  onStaleRebuildError?: (error: unknown) => void;
  /** Epoch milliseconds; only asked when there is a TTL. */
  now?: () => number;
}

/** How soon a failed rebuild of a working app is tried again. */
export const STALE_RETRY_MS = 5000;

export function createAppCache<Input, T>(
  build: (input: Input) => T | Promise<T>,
  options: AppCacheOptions = {},
): AppCache<Input, T> {
  const { ttlMs } = options;
  const now = options.now ?? (() => Date.now());
  let current: { value: T; builtAt: number } | undefined;
  let pending: Promise<T> | undefined;
  const fresh = (entry: { builtAt: number }) =>
    ttlMs === undefined || now() - entry.builtAt < ttlMs;
  return {
    get(input) {
      if (current && fresh(current)) return current.value;
      // Through a promise, so a build that throws synchronously rejects like one that fails later.
      pending ??= new Promise<T>((resolve) => resolve(build(input))).then(
        (value) => {
          current = { value, builtAt: ttlMs === undefined ? 0 : now() };
          pending = undefined;
          return value;
        },
        (error: unknown) => {
          pending = undefined;
          if (current === undefined || ttlMs === undefined) throw error;
          // Serving yesterday's settings beats failing every request until the store is back.
          options.onStaleRebuildError?.(error);
          current = { value: current.value, builtAt: now() - ttlMs + STALE_RETRY_MS };
          return current.value;
        },
      );
      return pending;
    },
  };
}
