/**
 * What handlers see: views over the bytes of a tag or a text, valid only while the handler runs
 * (or until the promise it returned settles). Reading is lazy: a value is decoded only when asked.
 *
 * Attribute values are handed over **raw**, exactly as written in the document (entities are not
 * decoded: `&amp;` stays `&amp;`), as lol_html and Cloudflare's HTMLRewriter do. A value a
 * handler sets is written back raw too, as `name="value"` with `"` escaped as `&quot;`, keeping the
 * attribute's original name spelling; untouched attributes keep their original bytes.
 */
import { concatBytes } from '../bytes/byte-arrays.ts';
import { fromByteString, toByteString } from '../bytes/byte-strings.ts';
import type { DocumentEnd, Element, EndTag, TextContent } from './api.ts';
import { foldedName } from './tokenizer-bytes.ts';
import { NO_VALUE, type Tag } from './tag-scanner.ts';
import {
  decodeText,
  encodeAttributeValue,
  encodeText,
  encodeUtf8,
  type DecodedText,
} from './text-codec.ts';

const QUOTE_ESCAPE = /"/g;

interface Change {
  index: number;
  /** New raw value, or null when removed. */
  value: string | null;
  binary: boolean;
}

export class ElementView implements Element {
  readonly tagName: string;
  readonly #tag: Tag;
  readonly #utf8: boolean;
  /** Decoded values by attribute index, filled as handlers ask. */
  #decoded: Array<DecodedText | undefined> | undefined;
  #changes: Change[] | undefined;
  #added: Array<[string, string]> | undefined;
  beforeHtml: Uint8Array[] | undefined;
  prependHtml: Uint8Array[] | undefined;
  appendHtml: Uint8Array[] | undefined;
  afterHtml: Uint8Array[] | undefined;
  removed = false;

  constructor(tag: Tag, tagName: string, utf8: boolean) {
    this.#tag = tag;
    this.tagName = tagName;
    this.#utf8 = utf8;
  }

  get selfClosing(): boolean {
    return this.#tag.selfClosing;
  }

  /** True when the start tag's own bytes must be re-serialised. */
  get modified(): boolean {
    return this.#changes !== undefined || this.#added !== undefined;
  }

  get needsEnd(): boolean {
    return this.removed || this.appendHtml !== undefined || this.afterHtml !== undefined;
  }

  get attributes(): ReadonlyArray<readonly [string, string]> {
    const tag = this.#tag;
    const out: Array<[string, string]> = [];
    for (let i = 0; i < tag.attrCount; i++) {
      const value = this.#valueAt(i);
      if (value !== null)
        out.push([foldedName(tag.buf, tag.attrNameStart(i), tag.attrNameEnd(i)), value]);
    }
    if (this.#added) for (const pair of this.#added) out.push(pair);
    return out;
  }

  #find(name: string): number {
    return this.#tag.findAttr(encodeUtf8(name.toLowerCase()));
  }

  #change(index: number): Change | undefined {
    const changes = this.#changes;
    if (changes === undefined) return undefined;
    for (const change of changes) if (change.index === index) return change;
    return undefined;
  }

  #decode(index: number): DecodedText {
    const cache = (this.#decoded ??= []);
    let decoded = cache[index];
    if (decoded === undefined) {
      const tag = this.#tag;
      decoded =
        tag.attrQuote(index) === NO_VALUE
          ? { text: '', binary: false }
          : decodeText(
              tag.buf.subarray(tag.attrValueStart(index), tag.attrValueEnd(index)),
              this.#utf8,
            );
      cache[index] = decoded;
    }
    return decoded;
  }

  #valueAt(index: number): string | null {
    const change = this.#change(index);
    if (change) return change.value;
    return this.#decode(index).text;
  }

  getAttribute(name: string): string | null {
    const index = this.#find(name);
    if (index === -1) {
      if (this.#added === undefined) return null;
      const lower = name.toLowerCase();
      return this.#added.find(([added]) => added === lower)?.[1] ?? null;
    }
    return this.#valueAt(index);
  }

  hasAttribute(name: string): boolean {
    return this.getAttribute(name) !== null;
  }

  setAttribute(name: string, value: string): void {
    const index = this.#find(name);
    if (index === -1) {
      const lower = name.toLowerCase();
      const added = (this.#added ??= []);
      const existing = added.find(([entry]) => entry === lower);
      if (existing) existing[1] = value;
      else added.push([lower, value]);
      return;
    }
    const change = this.#change(index);
    if (change) change.value = value;
    // Keep a byte-transparent value byte-transparent (see text-codec.ts).
    else (this.#changes ??= []).push({ index, value, binary: this.#decode(index).binary });
  }

  removeAttribute(name: string): void {
    const tag = this.#tag;
    const lower = name.toLowerCase();
    const wanted = encodeUtf8(lower);
    for (let i = 0; i < tag.attrCount; i++) {
      if (!tag.attrNameIs(i, wanted)) continue;
      const change = this.#change(i);
      if (change) change.value = null;
      else (this.#changes ??= []).push({ index: i, value: null, binary: false });
    }
    if (this.#added) this.#added = this.#added.filter(([added]) => added !== lower);
  }

  before(html: string): void {
    (this.beforeHtml ??= []).push(encodeUtf8(html));
  }
  prepend(html: string): void {
    (this.prependHtml ??= []).push(encodeUtf8(html));
  }
  append(html: string): void {
    (this.appendHtml ??= []).push(encodeUtf8(html));
  }
  after(html: string): void {
    (this.afterHtml ??= []).push(encodeUtf8(html));
  }
  remove(): void {
    this.removed = true;
  }

  /** The start tag's bytes with this view's attribute changes applied; untouched parts verbatim. */
  serialize(): Uint8Array[] {
    const tag = this.#tag;
    const buf = tag.buf;
    const parts: Uint8Array[] = [];
    let cursor = tag.start;
    const sorted = this.#changes ? [...this.#changes].sort((a, b) => a.index - b.index) : [];
    for (const change of sorted) {
      const start = tag.attrStart(change.index);
      parts.push(buf.subarray(cursor, start));
      if (change.value !== null) {
        // Leading whitespace and the name as written, then the new value.
        parts.push(buf.subarray(start, tag.attrNameEnd(change.index)));
        parts.push(encodeAttributeValue(change.value, change.binary));
      }
      cursor = tag.attrEnd(change.index);
    }
    if (this.#added !== undefined && this.#added.length > 0) {
      // New attributes go before the closing `/>` or `>`.
      const close = tag.end - (tag.selfClosing ? 2 : 1);
      let insertAt = close;
      while (insertAt > cursor && isTrailingSpace(buf[insertAt - 1] as number)) insertAt--;
      parts.push(buf.subarray(cursor, insertAt));
      for (const [name, value] of this.#added) {
        parts.push(encodeUtf8(` ${name}="${value.replace(QUOTE_ESCAPE, '&quot;')}"`));
      }
      cursor = insertAt;
    }
    parts.push(buf.subarray(cursor, tag.end));
    return parts;
  }
}

function isTrailingSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x09 || byte === 0x0c || byte === 0x0d;
}

export class EndTagView implements EndTag {
  readonly name: string;
  beforeHtml: Uint8Array[] = [];
  afterHtml: Uint8Array[] = [];
  removed = false;

  constructor(name: string) {
    this.name = name;
  }
  before(html: string): void {
    this.beforeHtml.push(encodeUtf8(html));
  }
  after(html: string): void {
    this.afterHtml.push(encodeUtf8(html));
  }
  remove(): void {
    this.removed = true;
  }
}

export class TextView implements TextContent {
  readonly tagName: string;
  /** The text as it came, in pieces (a script spanning chunks is not joined unless read whole). */
  readonly #pieces: readonly Uint8Array[];
  readonly #utf8: boolean;
  #decoded: { text: string; binary: boolean } | undefined;
  replacement: Uint8Array | undefined;

  constructor(tagName: string, pieces: readonly Uint8Array[], utf8: boolean) {
    this.tagName = tagName;
    this.#pieces = pieces;
    this.#utf8 = utf8;
  }

  get text(): string {
    this.#decoded ??= decodeText(concatBytes(this.#pieces), this.#utf8);
    return this.#decoded.text;
  }

  replace(text: string): void {
    if (text === this.text) {
      this.replacement = undefined; // Unchanged: the original bytes are written.
      return;
    }
    this.replacement = encodeText(text, this.#decoded?.binary ?? false);
  }

  /** Byte strings of the pieces, joined as strings: one copy, into the string itself. */
  get byteText(): string {
    const pieces = this.#pieces;
    return pieces.length === 1
      ? toByteString(pieces[0] as Uint8Array)
      : pieces.map(toByteString).join('');
  }

  replaceByteText(bytes: string): void {
    this.replacement = fromByteString(bytes);
  }
}

export class DocumentEndView implements DocumentEnd {
  html: Uint8Array[] = [];
  append(html: string): void {
    this.html.push(encodeUtf8(html));
  }
}
