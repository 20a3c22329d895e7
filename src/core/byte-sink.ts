/**
 * A body rewriter in its plainest form: fed chunk by chunk, it hands what it has decided to the
 * `emit` it was made with. Every rewriter in core (HTML, Flight, text) is one. As a sink it can run
 * inside whatever pipeline a platform builds best (Node fuses decode → rewrite → encode into one
 * stage, see `Codecs.transcode`); {@link byteSinkStream} makes it a web `TransformStream`.
 */
export interface ByteSink {
  /** A promise means the sink is waiting on an async handler: write nothing more until it settles. */
  write(chunk: Uint8Array): void | Promise<void>;
  end(): void | Promise<void>;
}

export interface ByteSinkOptions {
  /**
   * The driver never changes a chunk after writing it (as in a Node stream pipeline, which
   * queues the chunks it is given), so the sink may hold views of it instead of copies.
   */
  stableChunks?: boolean;
}

export type ByteSinkFactory = (
  emit: (bytes: Uint8Array) => void,
  options?: ByteSinkOptions,
) => ByteSink;

export function byteSinkStream(factory: ByteSinkFactory): TransformStream<Uint8Array, Uint8Array> {
  let sink: ByteSink;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      sink = factory((bytes) => controller.enqueue(bytes));
    },
    transform(chunk) {
      return sink.write(chunk);
    },
    flush() {
      return sink.end();
    },
  });
}
