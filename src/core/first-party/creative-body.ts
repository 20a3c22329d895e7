/**
 * Reading a creative's body for rewriting: undone of the one coding a transport left on it, and
 * watched, so a body that fails mid-stream (over the cap, past the deadline, the host gone) is
 * logged once as it errors the response — a reader gets a broken download, never a clean short one.
 * A body in another charset than UTF-8 is decoded by its declared label and re-encoded as UTF-8
 * (the rewriters read UTF-8 only).
 */
import { TsError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Codecs, ContentCoding } from '../services.ts';

const CODINGS: Readonly<Record<string, ContentCoding>> = {
  gzip: 'gzip',
  'x-gzip': 'gzip',
  deflate: 'deflate',
  br: 'br',
};

/** The body with its `Content-Encoding` undone (the transports decode most; this is the rest). */
export function decodedBody(
  body: ReadableStream<Uint8Array>,
  contentEncoding: string | null,
  codecs: Codecs,
  maxBytes: number,
): ReadableStream<Uint8Array> {
  const coding = (contentEncoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return body;
  const known = CODINGS[coding];
  if (known === undefined) {
    void body.cancel().catch(() => {});
    throw new TsError('upstream_failed', `creative sent in an unsupported coding (${coding})`);
  }
  return body.pipeThrough(codecs.decode(known, maxBytes));
}

/**
 * The decoder for the charset a `Content-Type` declares, or undefined when it is UTF-8 (declared,
 * or not declared at all: the rewriters' own reading). A label `TextDecoder` does not know is
 * refused (`upstream_failed`, a 502): guessing would garble the creative or fail mid-body.
 */
export function charsetDecoder(
  contentType: string | null,
): InstanceType<typeof TextDecoder> | undefined {
  const label = charsetLabel(contentType);
  if (label === undefined) return undefined;
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(label);
  } catch {
    throw new TsError(
      'upstream_failed',
      `creative refused: unknown charset ${JSON.stringify(label)}`,
    );
  }
  return decoder.encoding === 'utf-8' ? undefined : decoder;
}

function charsetLabel(contentType: string | null): string | undefined {
  for (const param of (contentType ?? '').split(';').slice(1)) {
    const at = param.indexOf('=');
    if (at === -1 || param.slice(0, at).trim().toLowerCase() !== 'charset') continue;
    const value = param
      .slice(at + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim();
    return value === '' ? undefined : value.slice(0, 64);
  }
  return undefined;
}

/** The body decoded by `decoder`, chunk by chunk, and re-encoded as UTF-8. */
export function utf8Body(
  body: ReadableStream<Uint8Array>,
  decoder: InstanceType<typeof TextDecoder>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const text = decoder.decode(chunk, { stream: true });
        if (text !== '') controller.enqueue(encoder.encode(text));
      },
      flush(controller) {
        const text = decoder.decode();
        if (text !== '') controller.enqueue(encoder.encode(text));
      },
    }),
  );
}

/** The body as it is, with a log line when it fails. */
export function watchedBody(
  body: ReadableStream<Uint8Array>,
  log: Logger,
  host: string,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          log.warn('creative body failed', {
            host,
            code: error instanceof TsError ? error.code : 'upstream_failed',
            detail: error instanceof Error ? error.message : String(error),
          });
          controller.error(error);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * The whole body as text, for rewriters that need it at once (CSS), read up to `maxBytes`: one byte
 * more and the body is let go and the read fails (`upstream_too_large`, a 502).
 */
export async function bodyText(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  decoder: InstanceType<typeof TextDecoder> = new TextDecoder(),
): Promise<string> {
  const reader = body.getReader();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => {});
      throw new TsError(
        'upstream_too_large',
        `creative refused: stylesheet is over the ${maxBytes}-byte cap`,
      );
    }
    text += decoder.decode(value, { stream: true });
  }
}
