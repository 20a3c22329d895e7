/**
 * The Fastly codecs service, on the web `CompressionStream` / `DecompressionStream` the runtime
 * provides (native zlib in the host, not JavaScript — which matters with no JIT).
 *
 * - gzip and deflate both ways; brotli neither way. The adapter removes `br` from the client's
 *   `Accept-Encoding` (accept-encoding.ts), so core never asks to encode brotli and the origin is
 *   never asked for it; an origin that sends brotli anyway gets a clear `origin_failed`.
 * - The web API has no level and no flush: `proxy.gzip_level` does not apply, and compressed output
 *   leaves in zlib's own blocks rather than at every pause of the input.
 * - The decoded-size cap counts decoder output. A cut-off gzip body must never end cleanly; the
 *   spec has `DecompressionStream` error on one, and as that cannot be checked against Fastly's
 *   implementation here, gzip's own trailer is checked as well: its last four bytes (ISIZE) must equal the decoded length mod 2^32 — a truncated body
 *   ends in arbitrary deflate bytes instead. (Cost: a multi-member gzip body, which is rare from
 *   origins, fails the check too.) Deflate has no length trailer; it relies on the decoder.
 */
import { decodedSizeCap } from '../core/proxy/decoded-size-cap.ts';
import { TsError } from '../core/errors.ts';
import type { ByteTransform, Codecs } from '../core/services.ts';

/** Passes bytes through, remembering the last eight (gzip's CRC32 + ISIZE trailer). */
class TrailerTap {
  readonly last = new Uint8Array(8);
  total = 0;
  readonly stream = new TransformStream<Uint8Array, Uint8Array>({
    transform: (chunk, controller) => {
      if (chunk.byteLength >= 8) {
        this.last.set(chunk.subarray(chunk.byteLength - 8));
      } else {
        this.last.copyWithin(0, chunk.byteLength);
        this.last.set(chunk, 8 - chunk.byteLength);
      }
      this.total += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  /** ISIZE: the uncompressed length mod 2^32, little-endian. */
  get isize(): number {
    const b = this.last;
    return ((b[4] ?? 0) | ((b[5] ?? 0) << 8) | ((b[6] ?? 0) << 16) | ((b[7] ?? 0) << 24)) >>> 0;
  }
}

function gzipDecoder(maxDecodedBytes: number): ByteTransform {
  const tap = new TrailerTap();
  let produced = 0;
  const check = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      produced += chunk.byteLength;
      controller.enqueue(chunk);
    },
    flush(controller) {
      // 18 bytes: the smallest gzip member (10-byte header, empty deflate block, trailer).
      if (tap.total < 18 || tap.isize !== produced % 2 ** 32) {
        controller.error(new TsError('origin_failed', 'gzip body is truncated or corrupt'));
      }
    },
  });
  const decoder = new DecompressionStream('gzip');
  return {
    writable: tap.stream.writable,
    readable: tap.stream.readable
      .pipeThrough(decoder as unknown as TransformStream<Uint8Array, Uint8Array>)
      .pipeThrough(decodedSizeCap(maxDecodedBytes))
      .pipeThrough(check),
  };
}

function unsupported(message: string): ByteTransform {
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      controller.error(new TsError('origin_failed', message));
    },
  });
}

export const fastlyCodecs: Codecs = {
  decode(coding, maxDecodedBytes) {
    if (coding === 'br') {
      return unsupported('origin sent a brotli body, which Fastly Compute cannot decode');
    }
    if (coding === 'gzip') return gzipDecoder(maxDecodedBytes);
    const decoder = new DecompressionStream(coding);
    return {
      writable: decoder.writable as WritableStream<Uint8Array>,
      readable: (decoder.readable as ReadableStream<Uint8Array>).pipeThrough(
        decodedSizeCap(maxDecodedBytes),
      ),
    };
  },
  encode(coding) {
    if (coding === 'br') {
      // Unreachable while the adapter strips `br` from Accept-Encoding; a loud failure if not.
      throw new TsError('internal', 'brotli encoding is not available on Fastly Compute');
    }
    return new CompressionStream('gzip');
  },
};
