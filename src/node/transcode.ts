/**
 * `Codecs.transcode` for Node: decode → rewrite → encode as one native stream pipeline.
 *
 * The origin's Readable (claimed back from its web wrapper, see node-bodies.ts) is piped through a
 * zlib decoder, a Transform that drives the core sink, and a zlib encoder; the result is again a
 * Node Readable behind a web wrapper, which the server pipes straight into the socket. Compared
 * with three chained web TransformStreams this saves ~1.5 ms of CPU per fixture page, most of it
 * promise and queue work per chunk.
 *
 * Semantics are those of the chained stages: the decoder fails on corrupt or truncated input and
 * past the decoded-size cap; the encoder compresses and flushes once per rewritten chunk; any
 * stage failing destroys them all, so the consumer sees an error (never a clean end) and the
 * origin request is torn down; a consumer that goes away (client abort) tears it down too
 * ({@link chain}).
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { ByteSink, ByteSinkFactory } from '../core/byte-sink.ts';
import { TsError } from '../core/errors.ts';
import { copyInto } from '../core/bytes/byte-arrays.ts';
import type { BodyPlan, WorkPermit } from '../core/services.ts';
import { createDecoder, createEncoder } from './zlib-streams.ts';
import { claimNodeBody, webBodyOf } from './node-bodies.ts';

export function nodeTranscode(
  body: ReadableStream<Uint8Array>,
  plan: BodyPlan,
): ReadableStream<Uint8Array> {
  const source = claimNodeBody(body) ?? Readable.fromWeb(body as never);
  const stages: Array<Readable | Transform> = [source];
  if (plan.decode) stages.push(createDecoder(plan.decode.coding));
  const encoder = plan.encode && createEncoder(plan.encode.coding, plan.encode.level);
  const sink = new SinkTransform(plan.rewrite, plan.decode?.maxDecodedBytes ?? Infinity, encoder);
  stages.push(sink);
  if (encoder) stages.push(encoder);
  const output = chain(stages);
  const { permit } = plan;
  if (permit) {
    sink.permit = permit;
    output.once('close', () => permit.release());
  }
  return webBodyOf(output);
}

/**
 * Pipes `stages` into one another and ties their fates together, as `stream.pipeline` does but
 * without its per-call costs (an AbortController it aborts at the end, and an error object made
 * to destroy each stream it finds not yet closed: ~0.1 ms of a page's CPU): the first stage to
 * fail, or to close before its end (a reset origin, a consumer that went away), destroys them
 * all with that error, and the last one carries it to the consumer.
 */
function chain(stages: readonly (Readable | Transform)[]): Readable {
  let failed = false;
  const fail = (error: Error) => {
    if (failed) return;
    failed = true;
    for (const stage of stages) stage.destroy(error);
  };
  for (const [index, stage] of stages.entries()) {
    const next = stages[index + 1];
    if (next) stage.pipe(next as Transform);
    stage.on('error', fail);
    stage.once('close', () => {
      if (!stage.readableEnded) fail(new Error('a body stage closed before its end'));
    });
  }
  return stages[stages.length - 1] as Readable;
}

/**
 * How much of the first chunk is rewritten and sent ahead of the rest. A fast origin's first
 * chunk is up to a decoder buffer (256 KiB) of page, whose head is the densest part to rewrite
 * (the fixture's first 16 KiB, all preload and srcset URLs, take ~0.2–0.6 ms); the browser
 * gets the head — with the tsjs tag — and can start its fetches while the rest is rewritten. It
 * costs one more write (and, compressed, one more flush) per response.
 */
const FIRST_SLICE_BYTES = 4096;

/**
 * Buffers that carry a chunk's rewritten pieces to an encoder, reused once it has compressed them:
 * joining the pieces into a fresh buffer per chunk was ~550 KB of new ArrayBuffers per fixture
 * page, and their churn — allocation, V8's external-memory accounting, freeing on a helper
 * thread — was ~4 % of the server's CPU under load. Chunks larger than a staging buffer (a decoder
 * buffer that a rewrite made longer) get a buffer of their own; at most {@link MAX_SPARE} wait.
 */
const STAGE_BYTES = 320 * 1024;
const MAX_SPARE = 32;
const spare: Buffer[] = [];

function stage(pieces: readonly Uint8Array[], bytes: number): Buffer {
  const buffer =
    bytes <= STAGE_BYTES
      ? (spare.pop() ?? Buffer.allocUnsafeSlow(STAGE_BYTES))
      : Buffer.allocUnsafeSlow(bytes);
  return copyInto(pieces, buffer);
}

function unstage(buffer: Buffer): void {
  if (buffer.byteLength === STAGE_BYTES && spare.length < MAX_SPARE) spare.push(buffer);
}

type Done = (error?: Error | null) => void;

/**
 * Drives a {@link ByteSink}. In front of an encoder, what it emits for one input chunk goes
 * straight into the encoder as one buffer (so the encoder compresses, and flushes, once per chunk
 * rather than once per piece), and this stage pushes nothing itself; otherwise the pieces are
 * pushed as they are (long untouched runs are views of the input: joining them would copy every
 * byte).
 */
class SinkTransform extends Transform {
  readonly #sink: ByteSink;
  readonly #maxInput: number;
  /** The encoder this feeds, if any. */
  readonly #encoder: Transform | undefined;
  /** The request's work permit, if the server limits them: every input chunk touches it. */
  permit: WorkPermit | undefined;
  #input = 0;
  #pieces: Uint8Array[] = [];
  #bytes = 0;

  constructor(factory: ByteSinkFactory, maxInput: number, encoder: Transform | undefined) {
    super();
    this.#maxInput = maxInput;
    this.#encoder = encoder;
    // Chunks reaching a Node stream stage are never changed afterwards, whatever their source:
    // a stream queues what it is given (a producer that refilled a chunk would corrupt any
    // pipeline, this one included), and the head-start slice is a view no one writes into.
    this.#sink = factory(
      (bytes) => {
        if (bytes.byteLength === 0) return;
        this.#pieces.push(bytes);
        this.#bytes += bytes.byteLength;
      },
      { stableChunks: true },
    );
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.permit?.touch();
    const first = this.#input === 0;
    this.#input += chunk.byteLength;
    if (this.#input > this.#maxInput) {
      callback(new TsError('origin_failed', `decoded body exceeds ${this.#maxInput} bytes`));
      return;
    }
    if (first && chunk.byteLength > FIRST_SLICE_BYTES) return this.#headStart(chunk, callback);
    this.#settle(() => this.#sink.write(chunk), callback);
  }

  /**
   * A large first chunk: its first {@link FIRST_SLICE_BYTES} are rewritten and sent on their own,
   * and the rest is worked on once they are on their way — after the encoder has compressed them
   * (it runs on the threadpool while this thread would otherwise be busy with the rest), or after
   * the next tick, when Node uncorks the socket they were written to.
   */
  #headStart(chunk: Buffer, callback: TransformCallback): void {
    const rest = () =>
      this.#settle(() => this.#sink.write(chunk.subarray(FIRST_SLICE_BYTES)), callback);
    let result: void | Promise<void>;
    try {
      result = this.#sink.write(chunk.subarray(0, FIRST_SLICE_BYTES));
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (result !== undefined) {
      // An async handler holds the start back: what is decided goes now, the rest after it.
      this.#send(() => {});
      result.then(rest, (error: unknown) => callback(asError(error)));
      return;
    }
    if (this.#bytes === 0) return rest();
    this.#send((error) => (error ? callback(error) : setImmediate(rest)), true);
  }

  override _flush(callback: TransformCallback): void {
    this.permit?.touch();
    this.#settle(() => this.#sink.end(), callback);
  }

  #settle(step: () => void | Promise<void>, callback: TransformCallback): void {
    let result: void | Promise<void>;
    try {
      result = step();
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (result === undefined) return this.#send(callback);
    // What is decided goes out now, even while an async handler holds the rest.
    this.#send(() => {});
    result.then(
      () => this.#send(callback),
      (error: unknown) => callback(asError(error)),
    );
  }

  /**
   * Sends what the sink has emitted; `done` runs when the next stage takes more (backpressure),
   * or with `compressed`, once the encoder has compressed it (pushed pieces are sent at once).
   */
  #send(done: Done, compressed = false): void {
    const pieces = this.#pieces;
    const bytes = this.#bytes;
    this.#pieces = [];
    this.#bytes = 0;
    const encoder = this.#encoder;
    if (!encoder) {
      for (const piece of pieces) this.push(piece);
      return done();
    }
    if (bytes === 0) return done();
    const staged = pieces.length > 1 ? stage(pieces, bytes) : undefined;
    const chunk = staged ? staged.subarray(0, bytes) : (pieces[0] as Uint8Array);
    const accepted = encoder.write(chunk, (error) => {
      // A buffer a failed write may still be read from is left to the garbage collector.
      if (staged && !error) unstage(staged);
      if (compressed) done(error);
    });
    if (compressed) return;
    if (accepted) done();
    else encoder.once('drain', () => done());
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
