/**
 * The byte primitives a platform may speed up — the one-byte search and the byte-string codec —
 * arrive in `PlatformServices.bytes`, the one channel for platform capabilities; `createApp`
 * applies them here. They are kept in module state rather than handed to each rewriter: the
 * search runs inside the tokenizer's scanning loops, where a module binding is the cheapest thing
 * to call, and every implementation must answer exactly as the standard one does, so which app
 * applied them last changes speed only, never output.
 */
import { installByteSearch, type ByteSearch } from './byte-search.ts';
import { installByteStrings, type ByteStringCodec } from './byte-strings.ts';

export interface BytePrimitives {
  /** `indexOf` of one byte, faster on long runs (Node: Buffer's memchr-based search). */
  search?: ByteSearch;
  /** Byte ⇄ byte-string conversion (Node: Buffer's latin1 codec). */
  strings?: ByteStringCodec;
}

/** Applies `bytes` (absent parts: the standard implementations). */
export function useBytePrimitives(bytes: BytePrimitives | undefined): void {
  installByteSearch(bytes?.search);
  installByteStrings(bytes?.strings);
}
