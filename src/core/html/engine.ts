/**
 * The project's own engine behind the engine port (api.ts): the rules are registered on an
 * `HtmlRewriter` (an `HtmlRuleTarget`), which runs them as a byte transform.
 */
import type { HtmlEngine } from './api.ts';
import { htmlRewriterStream } from './stream.ts';

/** The project's own engine: the default everywhere. */
export const builtinHtmlEngine: HtmlEngine = (setup, options) => htmlRewriterStream(setup, options);
