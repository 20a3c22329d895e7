/**
 * The rewriter as a byte sink and as a `TransformStream<Uint8Array, Uint8Array>`: each input
 * chunk's decided bytes go out as soon as they are known; an async handler holds the stream (and,
 * through backpressure, the source) until it settles; a handler error errors the stream.
 */
import { byteSinkStream, type ByteSinkFactory } from '../byte-sink.ts';
import { HtmlRewriter, type HtmlRewriterOptions } from './rewriter.ts';

export type RewriterSetup = (rewriter: HtmlRewriter) => void;

export function htmlRewriterSink(
  setup: RewriterSetup,
  options: Omit<HtmlRewriterOptions, 'output'> = {},
): ByteSinkFactory {
  return (emit, sinkOptions) => {
    const stableChunks = sinkOptions?.stableChunks === true;
    const rewriter = new HtmlRewriter({ ...options, output: emit, stableChunks });
    setup(rewriter);
    return rewriter;
  };
}

export function htmlRewriterStream(
  setup: RewriterSetup,
  options: Omit<HtmlRewriterOptions, 'output'> = {},
): TransformStream<Uint8Array, Uint8Array> {
  return byteSinkStream(htmlRewriterSink(setup, options));
}
