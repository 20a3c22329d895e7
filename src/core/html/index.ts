export {
  HtmlRewriter,
  HtmlRewriterError,
  type HandlerSet,
  type HtmlRewriterOptions,
} from './rewriter.ts';
export type { Element, EndTag, TextContent, DocumentEnd } from './element.ts';
export { htmlRewriterStream, type RewriterSetup } from './stream.ts';
export {
  builtinHtmlEngine,
  type HtmlEngine,
  type HtmlEngineOptions,
  type HtmlRuleTarget,
} from './engine.ts';
