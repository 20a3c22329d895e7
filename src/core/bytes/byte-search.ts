/**
 * Finding one byte in a long run: in the HTML engine (script text, raw text, comments, text
 * between tags — its single largest cost) and the streaming text replacer. The default is the standard `Uint8Array.prototype.indexOf`; a
 * platform may supply a faster search with the same semantics in its services' `bytes`
 * (byte-primitives.ts). On Node,
 * Buffer's `indexOf` is memchr-based and about 4× faster on the fixture page's script runs
 * (the Node adapter supplies it; see src/node/byte-primitives.ts). Short searches (an attribute
 * value's closing quote) stay on the standard method, whose call is cheaper.
 */
export type ByteSearch = (buf: Uint8Array, byte: number, from: number) => number;

const standard: ByteSearch = (buf, byte, from) => buf.indexOf(byte, from);
let search: ByteSearch = standard;

/** Index of `byte` in `buf` at or after `from`, or -1. */
export function indexOfByte(buf: Uint8Array, byte: number, from: number): number {
  return search(buf, byte, from);
}

/**
 * Replaces the search for the whole process; it must answer exactly as `indexOf` does. Called by
 * `createApp` with the services' `bytes` (byte-primitives.ts), and by tests and benchmarks.
 */
export function installByteSearch(replacement: ByteSearch | undefined): void {
  search = replacement ?? standard;
}
