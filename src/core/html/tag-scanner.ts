/**
 * Start and end tags, per the WHATWG tokenizer's tag and attribute states.
 *
 * Two entry points that follow the same transitions:
 * - {@link parseTag}: one pass over a buffer, recording the name and every attribute as byte
 *   offsets (no strings), or -1 when the buffer ends inside the tag. The hot path.
 * - {@link scanTag}: resumable, records nothing; finds where a tag ends across any number of
 *   chunks. Used to wait for a tag split across chunks without re-reading it, and to pass through
 *   tags over the size cap without holding them.
 */
import {
  ATTR_NAME_END,
  BYTE_CLASS,
  DQUOTE,
  EQUALS,
  GT,
  isSpace,
  SLASH,
  SPACE,
  SQUOTE,
  TAG_NAME_END,
  toLower,
  VALUE_END,
} from './tokenizer-bytes.ts';

/** Per attribute: start (incl. leading whitespace), nameStart, nameEnd, valueStart, valueEnd, quote. */
const FIELDS = 6;
/** No `=value` at all (`<input disabled>`). */
export const NO_VALUE = -1;

export class Tag {
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;
  nameStart = 0;
  nameEnd = 0;
  isEnd = false;
  selfClosing = false;
  attrCount = 0;
  attrs = new Int32Array(FIELDS * 16);

  attrStart(index: number): number {
    return this.attrs[index * FIELDS] as number;
  }
  attrNameStart(index: number): number {
    return this.attrs[index * FIELDS + 1] as number;
  }
  attrNameEnd(index: number): number {
    return this.attrs[index * FIELDS + 2] as number;
  }
  attrValueStart(index: number): number {
    return this.attrs[index * FIELDS + 3] as number;
  }
  attrValueEnd(index: number): number {
    return this.attrs[index * FIELDS + 4] as number;
  }
  /** `"` / `'`, 0 for unquoted, {@link NO_VALUE} when there is no value. */
  attrQuote(index: number): number {
    return this.attrs[index * FIELDS + 5] as number;
  }
  /** Is attribute `index` named `lower` (lowercase ASCII bytes), ignoring ASCII case? */
  attrNameIs(index: number, lower: Uint8Array): boolean {
    const start = this.attrNameStart(index);
    if (this.attrNameEnd(index) - start !== lower.length) return false;
    const buf = this.buf;
    for (let k = 0; k < lower.length; k++) {
      if (toLower(buf[start + k] as number) !== lower[k]) return false;
    }
    return true;
  }

  /** Index of the first attribute named `lower` (lowercase ASCII bytes), or -1. */
  findAttr(lower: Uint8Array): number {
    for (let i = 0; i < this.attrCount; i++) if (this.attrNameIs(i, lower)) return i;
    return -1;
  }

  /** Where the attribute's raw text ends. */
  attrEnd(index: number): number {
    const quote = this.attrQuote(index);
    if (quote === NO_VALUE) return this.attrNameEnd(index);
    return this.attrValueEnd(index) + (quote === 0 ? 0 : 1);
  }

  push(
    start: number,
    nameStart: number,
    nameEnd: number,
    vStart: number,
    vEnd: number,
    quote: number,
  ) {
    const at = this.attrCount * FIELDS;
    if (at + FIELDS > this.attrs.length) {
      const grown = new Int32Array(this.attrs.length * 2);
      grown.set(this.attrs);
      this.attrs = grown;
    }
    const attrs = this.attrs;
    attrs[at] = start;
    attrs[at + 1] = nameStart;
    attrs[at + 2] = nameEnd;
    attrs[at + 3] = vStart;
    attrs[at + 4] = vEnd;
    attrs[at + 5] = quote;
    this.attrCount++;
  }
}

/**
 * Parses the tag at `buf[lt]` (`<` followed by a letter, or `</` and a letter) into `tag`.
 * Returns the index just past its `>`, or -1 if `buf` ends first.
 */
export function parseTag(buf: Uint8Array, lt: number, isEnd: boolean, tag: Tag): number {
  const len = buf.length;
  const cls = BYTE_CLASS;
  let i = lt + (isEnd ? 2 : 1);
  tag.buf = buf;
  tag.start = lt;
  tag.isEnd = isEnd;
  tag.selfClosing = false;
  tag.attrCount = 0;
  tag.nameStart = i;
  while (i < len && ((cls[buf[i] as number] as number) & TAG_NAME_END) === 0) i++;
  if (i >= len) return -1;
  tag.nameEnd = i;

  for (;;) {
    // Before attribute name.
    const attrStart = i;
    while (i < len && ((cls[buf[i] as number] as number) & SPACE) !== 0) i++;
    if (i >= len) return -1;
    let c = buf[i] as number;
    if (c === GT) return (tag.end = i + 1);
    if (c === SLASH) {
      i++;
      if (i >= len) return -1;
      if (buf[i] === GT) {
        tag.selfClosing = true;
        return (tag.end = i + 1);
      }
      continue; // A stray solidus: reconsume in "before attribute name".
    }
    // Attribute name. Its first char may be `=` (a parse error that becomes part of the name).
    const nameStart = i++;
    while (i < len && ((cls[buf[i] as number] as number) & ATTR_NAME_END) === 0) i++;
    if (i >= len) return -1;
    const nameEnd = i;
    // After attribute name.
    while (i < len && ((cls[buf[i] as number] as number) & SPACE) !== 0) i++;
    if (i >= len) return -1;
    if (buf[i] !== EQUALS) {
      tag.push(attrStart, nameStart, nameEnd, nameEnd, nameEnd, NO_VALUE);
      i = nameEnd; // The whitespace belongs to the next attribute.
      continue;
    }
    i++;
    // Before attribute value.
    while (i < len && ((cls[buf[i] as number] as number) & SPACE) !== 0) i++;
    if (i >= len) return -1;
    c = buf[i] as number;
    if (c === DQUOTE || c === SQUOTE) {
      const close = buf.indexOf(c, i + 1);
      if (close === -1) return -1;
      tag.push(attrStart, nameStart, nameEnd, i + 1, close, c);
      i = close + 1;
    } else if (c === GT) {
      tag.push(attrStart, nameStart, nameEnd, i, i, 0);
      return (tag.end = i + 1);
    } else {
      const valueStart = i;
      while (i < len && ((cls[buf[i] as number] as number) & VALUE_END) === 0) i++;
      if (i >= len) return -1;
      tag.push(attrStart, nameStart, nameEnd, valueStart, i, 0);
    }
  }
}

/** Resumable tag-lexer states (attribute states of the WHATWG tokenizer). */
export const ScanState = {
  Name: 0,
  BeforeAttr: 1,
  AttrName: 2,
  AfterAttrName: 3,
  BeforeValue: 4,
  ValueDouble: 5,
  ValueSingle: 6,
  ValueUnquoted: 7,
  SelfClosing: 8,
} as const;
export type ScanState = (typeof ScanState)[keyof typeof ScanState];

/**
 * Continues scanning a tag from `state` at `buf[from]`. Returns the index past `>` and sets
 * `out.state`, or -1 when the buffer ended first (`out.state` then holds where to resume).
 */
export function scanTag(buf: Uint8Array, from: number, out: { state: ScanState }): number {
  let state: ScanState = out.state;
  const len = buf.length;
  for (let i = from; i < len; i++) {
    const c = buf[i] as number;
    switch (state) {
      case ScanState.Name:
        if (c === GT) return i + 1;
        if (c === SLASH) state = ScanState.SelfClosing;
        else if (isSpace(c)) state = ScanState.BeforeAttr;
        break;
      case ScanState.BeforeAttr:
        if (c === GT) return i + 1;
        if (c === SLASH) state = ScanState.SelfClosing;
        else if (!isSpace(c)) state = ScanState.AttrName;
        break;
      case ScanState.AttrName:
        if (c === GT) return i + 1;
        if (c === SLASH) state = ScanState.SelfClosing;
        else if (c === EQUALS) state = ScanState.BeforeValue;
        else if (isSpace(c)) state = ScanState.AfterAttrName;
        break;
      case ScanState.AfterAttrName:
        if (c === GT) return i + 1;
        if (c === SLASH) state = ScanState.SelfClosing;
        else if (c === EQUALS) state = ScanState.BeforeValue;
        else if (!isSpace(c)) state = ScanState.AttrName;
        break;
      case ScanState.BeforeValue:
        if (c === GT) return i + 1;
        if (c === DQUOTE) state = ScanState.ValueDouble;
        else if (c === SQUOTE) state = ScanState.ValueSingle;
        else if (!isSpace(c)) state = ScanState.ValueUnquoted;
        break;
      case ScanState.ValueDouble:
      case ScanState.ValueSingle: {
        const close = buf.indexOf(state === ScanState.ValueDouble ? DQUOTE : SQUOTE, i);
        if (close === -1) {
          out.state = state;
          return -1;
        }
        i = close;
        state = ScanState.BeforeAttr;
        break;
      }
      case ScanState.ValueUnquoted:
        if (c === GT) return i + 1;
        if (isSpace(c)) state = ScanState.BeforeAttr;
        break;
      case ScanState.SelfClosing:
        if (c === GT) return i + 1;
        state = ScanState.BeforeAttr;
        i--; // Reconsume in "before attribute name".
        break;
    }
  }
  out.state = state;
  return -1;
}
