/**
 * A small bounded memo for decoded consent strings. A reader's browser sends the same cookies on
 * every request, so a handful of strings cover most traffic; the bound keeps a stream of distinct
 * (or hostile) strings from growing memory. Least recently used goes first.
 */
export interface Memo<V> {
  get(key: string, compute: (key: string) => V): V;
  readonly size: number;
}

export function createMemo<V>(capacity: number): Memo<V> {
  const entries = new Map<string, V>();
  return {
    get(key, compute) {
      if (entries.has(key)) {
        const value = entries.get(key) as V;
        // Re-inserting moves the key to the end: Map iteration order is insertion order.
        entries.delete(key);
        entries.set(key, value);
        return value;
      }
      const value = compute(key);
      entries.set(key, value);
      if (entries.size > capacity) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      return value;
    },
    get size() {
      return entries.size;
    },
  };
}
