/**
 * The Workers codecs service: compression is the runtime's job.
 *
 * - Decode: the Workers `fetch` already decodes `gzip` and `br` origin bodies (leaving
 *   `Content-Encoding` in place), so those only pass through a byte counter enforcing the
 *   decoded-size cap. `deflate` it does not decode: `DecompressionStream('deflate')` (zlib
 *   framing, as HTTP's "deflate" is) does that here, under the same cap.
 * - Encode: a response that carries `Content-Encoding: gzip|br` is compressed by the runtime as it
 *   is sent (and, on Cloudflare, renegotiated with the client at the edge), so the encoder is the
 *   identity. Cost: `proxy.gzip_level` / `proxy.brotli_quality` do not apply on Workers.
 *
 * Truncated or corrupt compressed input errors the runtime's decoder, which errors our stream.
 */
import { decodedSizeCap } from '../core/proxy/decoded-size-cap.ts';
import type { Codecs } from '../core/services.ts';

export const workersCodecs: Codecs = {
  decode(coding, maxDecodedBytes) {
    const cap = decodedSizeCap(maxDecodedBytes);
    if (coding !== 'deflate') return cap;
    const inflate = new DecompressionStream('deflate');
    return { writable: inflate.writable, readable: inflate.readable.pipeThrough(cap) };
  },
  encode() {
    return new TransformStream<Uint8Array, Uint8Array>();
  },
};
