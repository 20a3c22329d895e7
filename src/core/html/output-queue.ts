/**
 * The rewriter's decided-but-not-yet-emitted bytes. Long untouched runs go out as they are
 * (views of the input, no copy); the short pieces around mutations are joined, so consumers see
 * few, sizeable chunks.
 */
import { concatBytes } from '../bytes/byte-arrays.ts';

/** Untouched runs at least this long are emitted without copying. */
const DIRECT_OUTPUT_BYTES = 2048;

export class OutputQueue {
  readonly #emit: (chunk: Uint8Array) => void;
  #parts: Uint8Array[] = [];
  #bytes = 0;

  constructor(emit: (chunk: Uint8Array) => void) {
    this.#emit = emit;
  }

  push(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.#parts.push(bytes);
    this.#bytes += bytes.byteLength;
  }

  flush(): void {
    if (this.#bytes === 0) return;
    const parts = this.#parts;
    this.#parts = [];
    this.#bytes = 0;
    let group: Uint8Array[] = [];
    let groupBytes = 0;
    for (const part of parts) {
      if (part.byteLength >= DIRECT_OUTPUT_BYTES) {
        if (groupBytes > 0) this.#emit(concatBytes(group, groupBytes));
        group = [];
        groupBytes = 0;
        this.#emit(part);
      } else {
        group.push(part);
        groupBytes += part.byteLength;
      }
    }
    if (groupBytes > 0) this.#emit(concatBytes(group, groupBytes));
  }
}
