/**
 * The rewriter as a `TransformStream<Uint8Array, Uint8Array>`: each input chunk's decided bytes
 * are enqueued as soon as they are known; an async handler holds the stream (and, through
 * backpressure, the source) until it settles; a handler error errors the stream.
 */
import { HtmlRewriter, type HtmlRewriterOptions } from './rewriter.ts';

export type RewriterSetup = (rewriter: HtmlRewriter) => void;

export function htmlRewriterStream(
  setup: RewriterSetup,
  options: Omit<HtmlRewriterOptions, 'output'> = {},
): TransformStream<Uint8Array, Uint8Array> {
  let rewriter: HtmlRewriter;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      rewriter = new HtmlRewriter({ ...options, output: (chunk) => controller.enqueue(chunk) });
      setup(rewriter);
    },
    transform(chunk) {
      return rewriter.write(chunk);
    },
    flush() {
      return rewriter.end();
    },
  });
}
