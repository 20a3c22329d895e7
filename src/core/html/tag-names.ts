/**
 * Tag names, looked up once per tag: the lowercase name and everything the tokenizer needs to
 * know about it (text mode, void, foreign root, breakout). A bounded cache keyed by a hash of the
 * folded bytes means ordinary pages build no strings for their tag names after the first sighting.
 */
import { foldedName, toLower } from './tokenizer-bytes.ts';
import { textModeFor, type TextMode } from './content-model.ts';
import { VOID_ELEMENTS } from './element-ends.ts';

export interface TagInfo {
  readonly name: string;
  readonly textMode: TextMode;
  readonly isVoid: boolean;
}

const CACHE_LIMIT = 4096;
const cache = new Map<number, TagInfo>();

function sameFolded(name: string, buf: Uint8Array, start: number, end: number): boolean {
  if (name.length !== end - start) return false;
  for (let i = start; i < end; i++) {
    if (name.charCodeAt(i - start) !== toLower(buf[i] as number)) return false;
  }
  return true;
}

export function tagInfo(buf: Uint8Array, start: number, end: number): TagInfo {
  let hash = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ toLower(buf[i] as number), 0x01000193);
  hash >>>= 0;
  const hit = cache.get(hash);
  if (hit !== undefined && sameFolded(hit.name, buf, start, end)) return hit;
  const name = foldedName(buf, start, end);
  const info: TagInfo = { name, textMode: textModeFor(name), isVoid: VOID_ELEMENTS.has(name) };
  if (hit === undefined && cache.size < CACHE_LIMIT) cache.set(hash, info);
  return info;
}
