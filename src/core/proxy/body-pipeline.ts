/**
 * Runs a body through its {@link BodyPlan}: as one stage where the platform offers it
 * (`Codecs.transcode`), otherwise as a chain of stream stages. A plan whose rewrite is a platform
 * engine's own stream (Cloudflare's native HTMLRewriter) is always chained.
 *
 * A plan's permit is the transcode's to hold; a chained plan has no one to touch it, so it is
 * released at once (the platforms that chain do not limit work: each request is its own isolate).
 */
import { byteSinkStream } from '../byte-sink.ts';
import type { BodyPlan, ByteTransform, Codecs } from '../services.ts';

export function runBodyPlan(
  body: ReadableStream<Uint8Array>,
  plan: Omit<BodyPlan, 'rewrite'> & { rewrite: BodyPlan['rewrite'] | ByteTransform },
  codecs: Codecs,
): ReadableStream<Uint8Array> {
  const { rewrite } = plan;
  if (typeof rewrite === 'function' && codecs.transcode) {
    return codecs.transcode(body, { ...plan, rewrite });
  }
  plan.permit?.release();
  let out = body;
  if (plan.decode)
    out = out.pipeThrough(codecs.decode(plan.decode.coding, plan.decode.maxDecodedBytes));
  out = out.pipeThrough(typeof rewrite === 'function' ? byteSinkStream(rewrite) : rewrite);
  if (plan.encode) out = out.pipeThrough(codecs.encode(plan.encode.coding, plan.encode.level));
  return out;
}
