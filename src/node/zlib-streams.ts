/**
 * The zlib streams behind the Node codecs: decoders for what origins send, encoders set up for
 * on-the-fly compression with a flush per write.
 */
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { ContentCoding } from '../core/services.ts';

/**
 * The encoders' output buffer. Compressed output is small (the fixture page's 553 KB become
 * ~61 kB of br), so one 64 KiB buffer usually holds a whole flush.
 */
const ENCODE_CHUNK = 64 * 1024;

/**
 * The decoders' output buffer. Every buffer that fills is a round trip to libuv's threadpool and
 * one more chunk through the rewriter, the encoder (a flush each) and the socket. On the fixture
 * page (80 KB gzip → 553 KB) 64 KiB instead of Node's default 16 KiB halved the decoder's CPU
 * (2.7 → 1.35 ms) and cut the chunks from 38 to 13; 256 KiB cuts them to ~4 and the server's CPU
 * per page under load by ~10 % more (docs/performance.md). Output still goes on as soon as an
 * input chunk is consumed, full or not, so a slow origin's bytes are not held back; a buffer not
 * filled by one input chunk is filled on by the next (Node's zlib slices it), so a dripping origin
 * does not allocate 256 KiB per chunk.
 */
const DECODE_CHUNK = 256 * 1024;

/**
 * Brotli's window: 1 MiB rather than the format's default 4 MiB. Pages are smaller than that
 * (the fixture's output is byte-identical at 20 and 22), and with 16 pages being compressed at
 * once the smaller window cost ~20 % less CPU per page at quality 2.
 */
const BROTLI_WINDOW_BITS = 20;

/** A zlib decoder for `coding`; it errors on corrupt input and on input that ends early. */
export function createDecoder(coding: ContentCoding): Transform {
  if (coding === 'br') return zlib.createBrotliDecompress({ chunkSize: DECODE_CHUNK });
  if (coding === 'deflate') return zlib.createInflate({ chunkSize: DECODE_CHUNK });
  return zlib.createGunzip({ chunkSize: DECODE_CHUNK });
}

/**
 * A zlib encoder that compresses and flushes in one step per write: the flush kind is its default
 * flush flag (write + flush() took two trips to the threadpool).
 */
export function createEncoder(coding: 'gzip' | 'br', level: number): Transform {
  if (coding === 'br') {
    return zlib.createBrotliCompress({
      chunkSize: ENCODE_CHUNK,
      flush: zlib.constants.BROTLI_OPERATION_FLUSH,
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: level,
        [zlib.constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      },
    });
  }
  return zlib.createGzip({ level, chunkSize: ENCODE_CHUNK, flush: zlib.constants.Z_SYNC_FLUSH });
}
