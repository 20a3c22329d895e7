/**
 * The HTML engine's public API: what rules are written against, whichever engine runs them.
 *
 * - **Handlers** see views of the document ({@link Element}, {@link EndTag}, {@link TextContent},
 *   {@link DocumentEnd}) or stream an element's text ({@link TextStream}); a {@link HandlerSet}
 *   groups those registered for one selector.
 * - **The engine port**: rules register on an {@link HtmlRuleTarget} (the lol_html-shaped surface
 *   the project's own rewriter has), and an {@link HtmlEngine} turns a set of rules into a byte
 *   transform. An adapter whose platform ships a native lol_html (Cloudflare's `HTMLRewriter`,
 *   Fastly's `HTMLRewritingStream`) implements the same surface over it; core never learns which
 *   engine ran.
 *
 * Types only (nothing here runs). Code outside core/html imports these, and the engine itself,
 * from core/html/index.ts; the lint rule in eslint.html-boundary.js keeps it so.
 */
import type { Logger } from '../log.ts';
import type { ByteTransform } from '../services.ts';

/** A handler may return a promise: the document waits at that point until it settles. */
export type Awaitable = void | Promise<void>;

export interface Element {
  /** Lowercase tag name. */
  readonly tagName: string;
  /** `<br/>`-style self-closing flag as written. */
  readonly selfClosing: boolean;
  /** Raw values, in document order, names lowercased. */
  readonly attributes: ReadonlyArray<readonly [string, string]>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  /** Insert raw HTML before the start tag / after the start tag / before the end tag / after the end tag. */
  before(html: string): void;
  prepend(html: string): void;
  append(html: string): void;
  after(html: string): void;
  /** Remove the element and everything up to its end tag. */
  remove(): void;
}

export interface EndTag {
  readonly name: string;
  before(html: string): void;
  after(html: string): void;
  remove(): void;
}

/**
 * One element's text (script, style) as it arrives, for a rule that can rewrite it without
 * seeing all of it: its output then leaves as soon as each piece is decided, instead of after the
 * end tag. Synchronous. `write` gets each piece — a view that is valid only during the call, so
 * anything held must be copied — and returns what goes out in its place now (the same view, other
 * bytes, several pieces, or nothing yet); `end` comes after the last piece and returns the rest.
 */
export interface TextStream {
  write(bytes: Uint8Array): TextStreamOutput;
  end(): TextStreamOutput;
}
export type TextStreamOutput = Uint8Array | readonly Uint8Array[] | undefined;

export interface TextContent {
  /** The element whose text this is (`script`, `style`, …). */
  readonly tagName: string;
  /** The element's whole text (decoded as UTF-8, or byte-per-char if it is not valid UTF-8). */
  readonly text: string;
  replace(text: string): void;
  /**
   * The same text as a byte string (one char per byte, see core/bytes/byte-strings.ts): for rules that count
   * or keep bytes exactly, and that skip decoding and re-encoding it.
   */
  readonly byteText: string;
  /** Replaces the text with the bytes of a byte string. */
  replaceByteText(bytes: string): void;
}

export interface DocumentEnd {
  append(html: string): void;
}

export type ElementHandler = (element: Element) => Awaitable;
export type TextHandler = (text: TextContent) => Awaitable;
/** Opens a stream for one matching element's text, or returns undefined to leave it alone. */
export type TextStreamHandler = (tagName: string) => TextStream | undefined;
export type EndTagHandler = (end: EndTag) => Awaitable;
export type DocumentEndHandler = (document: DocumentEnd) => Awaitable;
/** Returns the new raw value, or undefined (or the same value) to leave it as it is. */
export type AttributeRewrite = (value: string, tagName: string) => string | undefined;

export interface HandlerSet {
  element?: ElementHandler;
  text?: TextHandler;
  /**
   * The element's text as it streams in (see {@link TextStream}), for rules that need not see it
   * whole. Given with `text`, it must rewrite the same way: this engine then streams, and engines
   * that cannot (Cloudflare's native HTMLRewriter) call `text`. If an element also matches
   * whole-text handlers, they run first and the streams get their result.
   */
  textStream?: TextStreamHandler;
}

export interface HtmlRuleTarget {
  /** Element and/or text handlers for elements matching a (lol_html subset) selector. */
  on(selector: string, handlers: HandlerSet): unknown;
  /**
   * Rewrites one attribute (by lowercase name) on every element that has it with a value;
   * `undefined` keeps it. Several rules on one attribute chain in registration order.
   */
  rewriteAttribute(attribute: string, rewrite: AttributeRewrite): unknown;
  onDocumentEnd(handler: DocumentEndHandler): unknown;
}

export interface HtmlEngineOptions {
  /** Document charset label from `Content-Type`. */
  encoding?: string;
  log?: Logger;
}

/** Bytes in, rewritten bytes out. */
export type HtmlEngine = (
  setup: (target: HtmlRuleTarget) => void,
  options: HtmlEngineOptions,
) => ByteTransform;
