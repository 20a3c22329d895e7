/**
 * Byte strings: one char per byte (U+0000–U+00FF). Code that must count and keep bytes exactly
 * while using string tools (regexes, `indexOf`, slicing) works on them — Next.js inline payloads,
 * whose `T` row lengths are byte counts, and which are most of a page's bytes: decoding them as
 * UTF-8 and encoding them back cost more than rewriting them. ASCII reads the same in both forms,
 * so URL and host matching is unchanged.
 *
 * The standard conversion (`String.fromCharCode` over slices, a char-code loop back) is what the
 * edges run; a platform may supply a faster one with the same results in its services' `bytes`
 * (byte-primitives.ts) — Node gives Buffer's latin1 codec, a copy each way (src/node/byte-primitives.ts).
 */
export interface ByteStringCodec {
  toByteString(bytes: Uint8Array): string;
  /** Each char's low 8 bits (callers only pass byte strings). */
  fromByteString(text: string): Uint8Array;
}

const SLICE = 8192;

const standard: ByteStringCodec = {
  toByteString(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i += SLICE) {
      out += String.fromCharCode.apply(null, bytes.subarray(i, i + SLICE) as unknown as number[]);
    }
    return out;
  },
  fromByteString(text) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  },
};

let codec: ByteStringCodec = standard;

export function toByteString(bytes: Uint8Array): string {
  return codec.toByteString(bytes);
}

export function fromByteString(text: string): Uint8Array {
  return codec.fromByteString(text);
}

/**
 * Replaces the conversion for the whole process; it must answer exactly as the standard one.
 * Called by `createApp` with the services' `bytes` (byte-primitives.ts), and by tests.
 */
export function installByteStrings(replacement: ByteStringCodec | undefined): void {
  codec = replacement ?? standard;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** The byte string of `text`'s UTF-8 bytes. */
export function byteStringOfText(text: string): string {
  return toByteString(encoder.encode(text));
}

/** The text a byte string's UTF-8 bytes stand for (invalid sequences read as U+FFFD, as a browser reads them). */
export function textOfByteString(bytes: string): string {
  return decoder.decode(fromByteString(bytes));
}

/** The text of a byte string that is valid UTF-8, or undefined. */
export function strictTextOfByteString(bytes: string): string | undefined {
  try {
    return strictDecoder.decode(fromByteString(bytes));
  } catch {
    return undefined;
  }
}
