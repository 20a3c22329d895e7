/**
 * The Node codecs service: node:zlib behind web TransformStreams, and `transcode`, the whole
 * decode → rewrite → encode as one native pipeline (transcode.ts), which the proxy uses.
 *
 * Encoders flush after every chunk (Z_SYNC_FLUSH / BROTLI_OPERATION_FLUSH) so the browser can
 * render what has arrived; levels come from `[proxy]` (defaults gzip 3, brotli quality 4 — on the
 * 550 KB fixture page: gzip 3 ≈ 3.2 ms, gzip 4 ≈ 4.7 ms, gzip 6 ≈ 7.7 ms, brotli 4 ≈ 4.3 ms,
 * brotli 11 ≈ 380 ms). Decoders count their output and fail past the
 * cap, and fail on truncated input instead of ending cleanly.
 */
import type { Transform } from 'node:stream';
import { TsError } from '../core/errors.ts';
import type { Codecs, ContentCoding } from '../core/services.ts';
import { nodeTranscode } from './transcode.ts';
import { createDecoder, createEncoder } from './zlib-streams.ts';

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
    return zlibTransform(() => createDecoder(coding), false, maxDecodedBytes);
  },
  encode(coding: 'gzip' | 'br', level: number) {
    return zlibTransform(() => createEncoder(coding, level), true);
  },
  transcode: nodeTranscode,
};
