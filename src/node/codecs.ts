/**
 * The Node codecs service: node:zlib behind web TransformStreams.
 *
 * Encoders flush after every chunk (Z_SYNC_FLUSH / BROTLI_OPERATION_FLUSH) so the browser can
 * render what has arrived; levels come from `[proxy]` (defaults gzip 3, brotli quality 4 — on the
 * 550 KB fixture page: gzip 3 ≈ 3.2 ms, gzip 4 ≈ 4.7 ms, gzip 6 ≈ 7.7 ms, brotli 4 ≈ 4.3 ms,
 * brotli 11 ≈ 380 ms). Decoders count their output and fail past the
 * cap, and fail on truncated input instead of ending cleanly.
 */
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { TsError } from '../core/errors.ts';
import type { Codecs, ContentCoding } from '../core/services.ts';

/**
 * zlib's output buffer. Every buffer that fills is a round trip to libuv's threadpool and one
 * more chunk through the rewriter and the encoder: on the fixture page (80 KB gzip → 553 KB)
 * 64 KiB instead of Node's default 16 KiB halves the decoder's CPU (2.7 → 1.35 ms) and cuts the
 * chunks from 38 to 13. Output still goes out as soon as an input chunk is consumed, full or not,
 * so a slow origin's bytes are not held back.
 */
const CHUNK_SIZE = 64 * 1024;

function zlibTransform(
  create: () => Transform,
  /** Encoders: gather the rewriter's pieces and write them once per burst. */
  gather: boolean,
  maxOutput = Infinity,
): TransformStream<Uint8Array, Uint8Array> {
  let stream: Transform;
  let produced = 0;
  let failure: Error | undefined;
  let open = true;
  // Encoders get many small pieces per origin chunk from the rewriter. Each zlib write is a round
  // trip to libuv's threadpool, so pieces are gathered and written (and flushed) once per burst.
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let burstScheduled = false;
  const writeBurst = () => {
    burstScheduled = false;
    if (!open || stream.destroyed || stream.writableEnded || pendingBytes === 0) return;
    const burst =
      pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    // Encoders are created with the flush kind as their default flush flag: this one write
    // compresses and flushes in a single trip to the threadpool (write + flush() took two).
    stream.write(burst);
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      stream = create();
      stream.on('data', (data: Buffer) => {
        // Output can still arrive after the stream was cancelled or errored downstream.
        if (!open) return;
        produced += data.byteLength;
        if (produced > maxOutput) {
          failure = new TsError('origin_failed', `decoded body exceeds ${maxOutput} bytes`);
          stream.destroy(failure);
          return;
        }
        try {
          controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        } catch (error) {
          open = false;
          failure ??= error instanceof Error ? error : new Error(String(error));
          stream.destroy();
        }
      });
      stream.on('error', (error: Error) => {
        failure ??= error;
      });
    },
    transform(chunk) {
      if (failure) return Promise.reject(failure);
      if (gather) {
        pending.push(chunk);
        pendingBytes += chunk.byteLength;
        if (!burstScheduled) {
          burstScheduled = true;
          setImmediate(writeBurst);
        }
        // Backpressure: while zlib holds a lot unprocessed, wait for it to drain.
        if (stream.writableLength + pendingBytes < 1024 * 1024) return undefined;
        writeBurst();
        return new Promise<void>((resolve) => stream.once('drain', () => resolve()));
      }
      return new Promise<void>((resolve, reject) => {
        stream.write(chunk, (error) => {
          if (error || failure) return reject(failure ?? error ?? new Error('zlib write failed'));
          resolve();
        });
      });
    },
    flush() {
      writeBurst();
      return new Promise<void>((resolve, reject) => {
        if (failure) return reject(failure);
        stream.once('end', () => (failure ? reject(failure) : resolve()));
        stream.once('error', (error) => reject(failure ?? error));
        stream.end();
        stream.resume();
      });
    },
    cancel(reason) {
      open = false;
      stream.destroy(reason instanceof Error ? reason : undefined);
    },
  });
}

export const nodeCodecs: Codecs = {
  decode(coding: ContentCoding, maxDecodedBytes: number) {
    const create = {
      gzip: () => zlib.createGunzip({ chunkSize: CHUNK_SIZE }),
      deflate: () => zlib.createInflate({ chunkSize: CHUNK_SIZE }),
      br: () => zlib.createBrotliDecompress({ chunkSize: CHUNK_SIZE }),
    }[coding];
    return zlibTransform(create, false, maxDecodedBytes);
  },
  encode(coding: 'gzip' | 'br', level: number) {
    if (coding === 'br') {
      return zlibTransform(
        () =>
          zlib.createBrotliCompress({
            chunkSize: CHUNK_SIZE,
            flush: zlib.constants.BROTLI_OPERATION_FLUSH,
            params: {
              [zlib.constants.BROTLI_PARAM_QUALITY]: level,
              [zlib.constants.BROTLI_PARAM_LGWIN]: 22,
              [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
            },
          }),
        true,
      );
    }
    return zlibTransform(
      () => zlib.createGzip({ level, chunkSize: CHUNK_SIZE, flush: zlib.constants.Z_SYNC_FLUSH }),
      true,
    );
  },
};
