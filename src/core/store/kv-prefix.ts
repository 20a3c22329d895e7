/**
 * Prefix scans as key ranges: stores ordered by key (SQLite, a Durable Object's SQLite) count the
 * keys under a prefix as `key >= prefix AND key < upperBound`, which uses the primary key's index
 * and treats every character literally (no LIKE or GLOB wildcards to escape).
 */

/**
 * The smallest string greater than every string that starts with `prefix`, in SQLite's binary
 * (UTF-8 byte) order, which is code point order: the last code point, plus one. Undefined for the
 * empty prefix (everything matches).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    if (last < 0x10ffff) {
      // Skip the surrogate range: those are not characters SQLite's UTF-8 can hold.
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}
