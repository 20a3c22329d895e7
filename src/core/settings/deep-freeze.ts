/** Freezes settings all the way down, so no request can change them for the next. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    // A RegExp keeps `lastIndex` as a writable own property; leave it alone.
    if (value instanceof RegExp) return value;
    Object.freeze(value);
    for (const entry of Object.values(value)) deepFreeze(entry);
  }
  return value;
}
