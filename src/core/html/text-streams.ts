/**
 * The text streams open on one element, as one: each stream's output is the next one's input,
 * in registration order, as whole-text handlers see each other's replacements.
 */
import type { TextStream, TextStreamOutput } from './api.ts';

function into(out: Uint8Array[], output: TextStreamOutput): void {
  for (const piece of outputPieces(output)) out.push(piece);
}

export function chainTextStreams(streams: readonly TextStream[]): TextStream {
  if (streams.length === 1) return streams[0] as TextStream;
  return {
    write(bytes) {
      let pieces: Uint8Array[] = [bytes];
      for (const stream of streams) {
        const next: Uint8Array[] = [];
        for (const piece of pieces) into(next, stream.write(piece));
        pieces = next;
      }
      return pieces;
    },
    end() {
      let pieces: Uint8Array[] = [];
      for (const stream of streams) {
        const next: Uint8Array[] = [];
        for (const piece of pieces) into(next, stream.write(piece));
        into(next, stream.end());
        pieces = next;
      }
      return pieces;
    },
  };
}

/** A stream's output as a list (for callers that push pieces one by one). */
export function outputPieces(output: TextStreamOutput): readonly Uint8Array[] {
  if (output === undefined) return [];
  return output instanceof Uint8Array ? [output] : output;
}
