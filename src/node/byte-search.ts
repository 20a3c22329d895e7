/**
 * Node's memchr-based byte search for the HTML engine (see src/core/bytes/byte-search.ts).
 * `Buffer.prototype.indexOf` accepts any Uint8Array as `this`, so chunks need not be Buffers.
 */
import { Buffer } from 'node:buffer';
import { installByteSearch } from '../core/bytes/byte-search.ts';

type IndexOf = (this: Uint8Array, value: number, byteOffset: number) => number;
const bufferIndexOf = (Buffer.prototype as unknown as { indexOf: IndexOf }).indexOf;

export function installNodeByteSearch(): void {
  installByteSearch((buf, byte, from) => bufferIndexOf.call(buf, byte, from));
}
