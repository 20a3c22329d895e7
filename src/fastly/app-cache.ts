/**
 * One app per sandbox, rebuilt after `ttlMs`. Building needs the Secret Store and Config Store,
 * which the platform allows only while handling a request (not at build-time initialisation), so
 * the first request builds it; with reusable sandboxes later requests share it, and Config Store
 * changes reach a long-lived sandbox within `ttlMs`. A failed build is not cached: the next request
 * tries again. Concurrent callers share one build.
 */
export interface AppCache<T> {
  get(): Promise<T>;
}

export function createAppCache<T>(build: () => Promise<T>, ttlMs: number, now: () => number) {
  let current: { value: T; builtAt: number } | undefined;
  let pending: Promise<T> | undefined;
  const cache: AppCache<T> = {
    get() {
      if (current && now() - current.builtAt < ttlMs) return Promise.resolve(current.value);
      pending ??= build().then(
        (value) => {
          current = { value, builtAt: now() };
          pending = undefined;
          return value;
        },
        (error: unknown) => {
          pending = undefined;
          throw error;
        },
      );
      return pending;
    },
  };
  return cache;
}
