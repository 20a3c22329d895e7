/**
 * Node Readables dressed as web ReadableStreams, with a way back. Core sees web streams only; but
 * when a body core returns untouched (or hands to `Codecs.transcode`) is really a Node stream, the
 * adapter takes the Readable back and pipes it natively: each web-stream hop costs promises and
 * queue work per chunk, which on a rewritten page cost more CPU than the rewrite itself.
 *
 * The web side starts reading only when first pulled, so the Readable can still be claimed until
 * then; a claimed stream is never read through its web side.
 */
import type { Readable } from 'node:stream';

interface NodeBody {
  readable: Readable;
  state: 'untouched' | 'web' | 'claimed';
}

const bodies = new WeakMap<ReadableStream<Uint8Array>, NodeBody>();

export function webBodyOf(readable: Readable): ReadableStream<Uint8Array> {
  const body: NodeBody = { readable, state: 'untouched' };
  // Until someone reads, an error must still have a listener (an unheard one would be thrown).
  let early: Error | undefined;
  const onEarlyError = (error: Error) => (early ??= error);
  readable.on('error', onEarlyError);
  // Events can still arrive after the consumer cancelled; a closed controller must not be touched
  // (an exception there would be uncaught and take the process down).
  let open = true;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (body.state === 'claimed') {
          controller.error(new Error('this body was taken over by the Node adapter'));
          return;
        }
        if (body.state === 'untouched') {
          body.state = 'web';
          readable.off('error', onEarlyError);
          if (early) {
            open = false;
            controller.error(early);
            return;
          }
          readable.on('data', (chunk: Buffer) => {
            if (!open) return;
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            // Backpressure: one chunk at a time, the next only when the consumer pulls.
            readable.pause();
          });
          readable.once('end', () => {
            if (open) controller.close();
            open = false;
          });
          readable.once('error', (error) => {
            if (open) controller.error(error);
            open = false;
          });
          readable.once('close', () => {
            if (open && !readable.readableEnded)
              controller.error(new Error('the body closed before its end'));
            open = false;
          });
        }
        readable.resume();
      },
      cancel(reason) {
        open = false;
        readable.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    // Nothing is read ahead of the consumer: the Readable stays claimable until the first read.
    { highWaterMark: 0 },
  );
  bodies.set(stream, body);
  return stream;
}

/**
 * The Node Readable behind `stream`, if it is one and nobody has read it yet; from then on it
 * belongs to the caller. An error it met while waiting is its `errored`.
 */
export function claimNodeBody(stream: ReadableStream<Uint8Array> | null): Readable | undefined {
  if (!stream || stream.locked) return undefined;
  const body = bodies.get(stream);
  if (!body || body.state !== 'untouched') return undefined;
  body.state = 'claimed';
  return body.readable;
}
