/**
 * The seam between the publisher's HTML rules and whatever engine runs them.
 *
 * Rules are written once (proxy/html-rules.ts) against {@link HtmlRuleTarget}, the lol_html-shaped
 * surface our own {@link HtmlRewriter} has. An adapter whose platform ships a native lol_html
 * (Cloudflare's `HTMLRewriter`, Fastly's `HTMLRewritingStream`) implements the same surface over
 * it and hands core an {@link HtmlEngine}; core never learns which engine ran.
 */
import type { Logger } from '../log.ts';
import type { ByteTransform } from '../services.ts';
import type { DocumentEndHandler, AttributeRewrite } from './handler-registry.ts';
import type { HandlerSet } from './rewriter.ts';
import { htmlRewriterStream } from './stream.ts';

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

/** The project's own engine: the default everywhere. */
export const builtinHtmlEngine: HtmlEngine = (setup, options) => htmlRewriterStream(setup, options);
