/**
 * Node's faster byte primitives for core (src/core/bytes/byte-primitives.ts), given to the app in
 * `PlatformServices.bytes`:
 * - search: Buffer's `indexOf` is memchr-based, about 4× the standard `Uint8Array.indexOf` on the
 *   fixture page's script runs; it accepts any Uint8Array as `this`, so chunks need not be Buffers.
 * - strings: Buffer's latin1 codec copies bytes to a one-byte string and back, where the standard
 *   way goes char by char.
 */
import { Buffer } from 'node:buffer';
import type { BytePrimitives } from '../core/bytes/byte-primitives.ts';

type IndexOf = (this: Uint8Array, value: number, byteOffset: number) => number;
const bufferIndexOf = (Buffer.prototype as unknown as { indexOf: IndexOf }).indexOf;

export const nodeBytePrimitives: BytePrimitives = {
  search: (buf, byte, from) => bufferIndexOf.call(buf, byte, from),
  strings: {
    toByteString: (bytes) =>
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'),
    fromByteString: (text) => Buffer.from(text, 'latin1'),
  },
};
