/**
 * Node's byte-string conversion for core (see src/core/bytes/byte-strings.ts): Buffer's latin1
 * codec copies bytes to a one-byte string and back, where the standard way goes char by char.
 */
import { Buffer } from 'node:buffer';
import { installByteStrings } from '../core/bytes/byte-strings.ts';

export function installNodeByteStrings(): void {
  installByteStrings({
    toByteString: (bytes) =>
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'),
    fromByteString: (text) => Buffer.from(text, 'latin1'),
  });
}
