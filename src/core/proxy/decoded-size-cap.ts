/**
 * A pass-through stage that errors once more than `maxDecodedBytes` have come out of a decoder
 * (`proxy.max_decoded_body_bytes`): the decompression-bomb guard for platforms whose decoders
 * (web `DecompressionStream`, the runtime's own) have no output limit of their own.
 */
import { TsError } from '../errors.ts';

export function decodedSizeCap(maxDecodedBytes: number): TransformStream<Uint8Array, Uint8Array> {
  let produced = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      produced += chunk.byteLength;
      if (produced > maxDecodedBytes) {
        controller.error(
          new TsError('origin_failed', `decoded body exceeds ${maxDecodedBytes} bytes`),
        );
        return;
      }
      controller.enqueue(chunk);
    },
  });
}
