/**
 * The text of a script or style element, collected for its text handlers in pieces.
 *
 * Pieces are views of the chunk being written: kept as they are while that chunk is worked on
 * (most scripts end in the chunk they start in, and are then never copied), and copied by
 * {@link TextBuffer.keep} when the write is done, since the caller may reuse its chunk after
 * that. Only the views that write added are copied, so a long script that a dripping origin
 * sends in many chunks is copied once, not once per chunk. A caller whose chunks stay as they are
 * (`stable`: the Node adapter's stream pipeline, which queues what it is given) spares even that:
 * on the fixture page the copies were ~225 KB per page, the scripts that span its ~4 decoder
 * buffers, among them both 145 KB Flight payloads.
 */
import { copyBytes } from '../bytes/byte-arrays.ts';

export class TextBuffer {
  readonly #pieces: Uint8Array[] = [];
  #bytes = 0;
  /** Index of the first piece that is still a view of the caller's chunk, or -1. */
  #borrowedFrom = -1;
  readonly #stable: boolean;

  constructor(stable = false) {
    this.#stable = stable;
  }

  get byteLength(): number {
    return this.#bytes;
  }

  /** The pieces as they stand (to pass the text through untouched). */
  get pieces(): readonly Uint8Array[] {
    return this.#pieces;
  }

  /** Adds a view of the chunk being written. */
  add(bytes: Uint8Array): void {
    if (this.#borrowedFrom === -1 && !this.#stable) this.#borrowedFrom = this.#pieces.length;
    this.#pieces.push(bytes);
    this.#bytes += bytes.byteLength;
  }

  /** The write is done: copies what is still a view of its chunk. */
  keep(): void {
    const from = this.#borrowedFrom;
    if (from === -1) return;
    this.#borrowedFrom = -1;
    const views = this.#pieces.splice(from);
    this.#pieces.push(
      copyBytes(
        views,
        views.reduce((sum, view) => sum + view.byteLength, 0),
      ),
    );
  }
}
