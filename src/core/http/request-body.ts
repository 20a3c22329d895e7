/**
 * Request bodies read whole, within a cap: the JSON endpoints (batch sync, verify-signature, the
 * admin key routes, first-party sign and proxy-rebuild) all take small bodies and must never
 * buffer what a sender streams past the cap.
 */
import { concatBytes } from '../bytes/byte-arrays.ts';
import { TsError } from '../errors.ts';

/**
 * The body's bytes, or undefined once it is over `cap` bytes — by its declared length, or while
 * it arrives. Reading stops at the cap. The stream is released, not cancelled: cancelling a Node
 * request body closes its connection, and with it the 413 the caller answers.
 */
export async function readCappedBytes(
  request: Request,
  cap: number,
): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > cap) return undefined;
  if (request.body === null) return new Uint8Array(0);
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > cap) return undefined;
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return concatBytes(chunks, total);
}

/** {@link readCappedBytes} as text (UTF-8, malformed bytes replaced). */
export async function readCappedText(request: Request, cap: number): Promise<string | undefined> {
  const bytes = await readCappedBytes(request, cap);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/** {@link readCappedBytes}, refusing a body over `cap` with a 413 that names the endpoint. */
export async function readBoundedBytes(
  request: Request,
  cap: number,
  endpoint: string,
): Promise<Uint8Array> {
  const bytes = await readCappedBytes(request, cap);
  if (bytes === undefined) {
    throw new TsError('payload_too_large', `${endpoint} body over ${cap} bytes`);
  }
  return bytes;
}

/** {@link readBoundedBytes} as text (UTF-8, malformed bytes replaced). */
export async function readBoundedText(
  request: Request,
  cap: number,
  endpoint: string,
): Promise<string> {
  return new TextDecoder().decode(await readBoundedBytes(request, cap, endpoint));
}
