/**
 * Registered handlers and the per-tag lookup of which apply. Lookup is built for the common rule
 * sets (a handful of `[attr]` selectors): attribute names are compared as bytes against the tag's
 * attributes, with no strings made for tags nothing is interested in.
 */
import type {
  AttributeRewrite,
  DocumentEndHandler,
  ElementHandler,
  EndTagHandler,
  TextHandler,
  TextStreamHandler,
} from './api.ts';
import { parseSelector, type Selector } from './selectors.ts';
import { NO_VALUE, type Tag } from './tag-scanner.ts';
import { decodeText } from './text-codec.ts';

export interface AttributeRule {
  name: string;
  bytes: Uint8Array;
  rewrite: AttributeRewrite;
}

export interface Registered<H> {
  selector: Selector;
  handler: H;
}

const selectorCache = new Map<string, Selector>();

export function compileSelector(source: string): Selector {
  let selector = selectorCache.get(source);
  if (!selector) {
    selector = parseSelector(source);
    if (selectorCache.size < 1000) selectorCache.set(source, selector);
  }
  return selector;
}

export class HandlerRegistry {
  readonly elements: Array<Registered<ElementHandler>> = [];
  readonly texts: Array<Registered<TextHandler>> = [];
  readonly textStreams: Array<Registered<TextStreamHandler>> = [];
  readonly endTags: Array<{ name: string | undefined; handler: EndTagHandler }> = [];
  readonly documentEnds: DocumentEndHandler[] = [];
  readonly attributeRules: AttributeRule[] = [];
  /** `attributeRules` indexed by name length, so most attributes are dismissed by one lookup. */
  readonly attributeRulesByLength: Array<AttributeRule[] | undefined> = [];

  addAttributeRule(name: string, rewrite: AttributeRewrite): void {
    const lower = name.trim().toLowerCase();
    if (!/^[^\s"'>/=]+$/.test(lower)) throw new Error(`invalid attribute name "${name}"`);
    const rule = { name: lower, bytes: Uint8Array.from(lower, (c) => c.charCodeAt(0)), rewrite };
    this.attributeRules.push(rule);
    (this.attributeRulesByLength[lower.length] ??= []).push(rule);
  }

  addElement(selector: string, handler: ElementHandler): void {
    this.elements.push({ selector: compileSelector(selector), handler });
  }

  addText(selector: string, handler: TextHandler): void {
    this.texts.push({ selector: compileSelector(selector), handler });
  }

  addTextStream(selector: string, handler: TextStreamHandler): void {
    this.textStreams.push({ selector: compileSelector(selector), handler });
  }

  addEndTag(name: string, handler: EndTagHandler): void {
    const lower = name.trim().toLowerCase();
    this.endTags.push({ name: lower === '*' ? undefined : lower, handler });
  }

  matchElements(tag: Tag, name: string, utf8: boolean): Array<Registered<ElementHandler>> {
    return match(this.elements, tag, name, utf8);
  }

  matchTexts(tag: Tag, name: string, utf8: boolean): Array<Registered<TextHandler>> {
    return this.texts.length === 0 ? NONE : match(this.texts, tag, name, utf8);
  }

  matchTextStreams(tag: Tag, name: string, utf8: boolean): Array<Registered<TextStreamHandler>> {
    return this.textStreams.length === 0 ? NONE : match(this.textStreams, tag, name, utf8);
  }

  matchEndTags(name: string): EndTagHandler[] {
    if (this.endTags.length === 0) return NONE;
    const out: EndTagHandler[] = [];
    for (const entry of this.endTags) {
      if (entry.name === undefined || entry.name === name) out.push(entry.handler);
    }
    return out;
  }
}

const NONE: never[] = [];

function match<H>(list: Array<Registered<H>>, tag: Tag, name: string, utf8: boolean) {
  let out: Array<Registered<H>> | undefined;
  for (const entry of list) {
    if (matches(entry.selector, tag, name, utf8)) (out ??= []).push(entry);
  }
  return out ?? NONE;
}

function matches(selector: Selector, tag: Tag, name: string, utf8: boolean): boolean {
  if (selector.tag !== undefined && selector.tag !== name) return false;
  const wanted = selector.attributeBytes;
  if (wanted === undefined) return true;
  const index = tag.findAttr(wanted);
  if (index === -1) return false;
  if (selector.value === undefined) return true;
  if (tag.attrQuote(index) === NO_VALUE) return selector.value === '';
  const raw = tag.buf.subarray(tag.attrValueStart(index), tag.attrValueEnd(index));
  return decodeText(raw, utf8).text === selector.value;
}
