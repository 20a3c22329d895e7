/**
 * The HTML engine as the rest of the project sees it: the public API (api.ts: handler
 * interfaces, handler sets, the engine port) and the project's own engine. Code outside
 * core/html imports from here only (lint-enforced, eslint.html-boundary.js); the other modules in
 * this directory are the engine's internals.
 */
export type {
  AttributeRewrite,
  Awaitable,
  DocumentEnd,
  DocumentEndHandler,
  Element,
  ElementHandler,
  EndTag,
  EndTagHandler,
  HandlerSet,
  HtmlEngine,
  HtmlEngineOptions,
  HtmlRuleTarget,
  TextContent,
  TextHandler,
  TextStream,
  TextStreamHandler,
  TextStreamOutput,
} from './api.ts';
export { builtinHtmlEngine } from './engine.ts';
export { HtmlRewriter, HtmlRewriterError, type HtmlRewriterOptions } from './rewriter.ts';
export { htmlRewriterSink, htmlRewriterStream, type RewriterSetup } from './stream.ts';
export { outputPieces } from './text-streams.ts';
