/**
 * The Node codecs service, on node:zlib (zlib-streams.ts: 64 KiB buffers, levels from `[proxy]`,
 * a flush per write so the browser can render what has arrived).
 *
 * The proxy uses `transcode` (transcode.ts): decode → rewrite → encode as one native pipeline.
 * `decode` and `encode` alone are that same pipeline with a sink that changes nothing, so there
 * is one implementation of the cap, truncation and error semantics.
 */
import type { ByteSinkFactory } from '../core/byte-sink.ts';
import type { BodyPlan, ByteTransform, Codecs, ContentCoding } from '../core/services.ts';
import { nodeTranscode } from './transcode.ts';

const unchanged: ByteSinkFactory = (emit) => ({ write: emit, end: () => {} });

function asTransform(plan: Omit<BodyPlan, 'rewrite'>): ByteTransform {
  const input = new TransformStream<Uint8Array, Uint8Array>();
  return {
    writable: input.writable,
    readable: nodeTranscode(input.readable, { ...plan, rewrite: unchanged }),
  };
}

export const nodeCodecs: Codecs = {
  decode: (coding: ContentCoding, maxDecodedBytes: number) =>
    asTransform({ decode: { coding, maxDecodedBytes } }),
  encode: (coding: 'gzip' | 'br', level: number) => asTransform({ encode: { coding, level } }),
  transcode: nodeTranscode,
};
