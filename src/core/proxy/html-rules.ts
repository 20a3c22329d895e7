/**
 * The publisher's HTML rules, applied to every rewritten page: origin URLs become first-party in
 * the URL attributes, `<meta content>`, `style` attributes, `<style>` and JSON data scripts; the
 * tsjs bundle is injected at the start of the first `<head>`.
 */
import type { HtmlRuleTarget, TextContent } from '../html/index.ts';
import type { NextInlinePayloads } from '../rewrite/next-inline.ts';
import type { OriginMatcher, OriginUrlTarget } from '../rewrite/origin-urls.ts';

const URL_ATTRIBUTES = ['href', 'src', 'action', 'formaction', 'poster'];
const SRCSET_ATTRIBUTES = ['srcset', 'imagesrcset'];
const ABSOLUTE_URL = /^\s*(?:https?:)?\/\//i;

export interface HtmlRuleContext {
  matcher: OriginMatcher;
  target: OriginUrlTarget;
  /** `src` of the injected tsjs bundle. */
  tsjsSrc: string;
  /** Integration snippets that go before the bundle. */
  headSnippets: string;
  /** The page's CSP nonce, given to every injected `<script>`. */
  nonce: string | undefined;
  /** Next.js inline Flight payloads, when the integration is enabled. */
  nextInline?: NextInlinePayloads;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

export function headInjection(ctx: HtmlRuleContext): string {
  const nonce = ctx.nonce === undefined ? '' : ` nonce="${escapeAttribute(ctx.nonce)}"`;
  const snippets =
    ctx.nonce === undefined
      ? ctx.headSnippets
      : ctx.headSnippets.replace(/<script(?=[\s>])/g, `<script${nonce}`);
  return `${snippets}<script src="${escapeAttribute(ctx.tsjsSrc)}" id="trustedserver-js"${nonce}></script>`;
}

export function applyHtmlRules(rewriter: HtmlRuleTarget, ctx: HtmlRuleContext): void {
  const { matcher, target } = ctx;
  const urls = (bare: 'start' | 'never' | 'anywhere') => (value: string) => {
    const result = matcher.rewrite(value, target, { bare });
    return result.changed ? result.text : undefined;
  };
  for (const name of URL_ATTRIBUTES) rewriter.rewriteAttribute(name, urls('start'));
  for (const name of SRCSET_ATTRIBUTES) rewriter.rewriteAttribute(name, urls('start'));
  rewriter.rewriteAttribute('style', urls('never'));
  rewriter.on('meta[content]', {
    element: (element) => {
      const value = element.getAttribute('content') ?? '';
      if (!ABSOLUTE_URL.test(value)) return;
      const next = urls('never')(value);
      if (next !== undefined) element.setAttribute('content', next);
    },
  });
  const rewriteText = (bare: 'never' | 'anywhere') => ({
    text: (text: TextContent) => {
      const result = matcher.rewrite(text.text, target, { bare });
      if (result.changed) text.replace(result.text);
    },
  });
  rewriter.on('style', rewriteText('never'));
  rewriter.on('script[type="application/ld+json"]', rewriteText('anywhere'));
  rewriter.on('script[type="application/json"]', rewriteText('anywhere'));

  const inline = ctx.nextInline;
  if (inline) {
    // Streamed where the engine can (payloads leave as they arrive), whole where it cannot.
    rewriter.on('script', {
      text: (text) => {
        const next = inline.rewriteScriptBytes(text.byteText);
        if (next !== undefined) text.replaceByteText(next);
      },
      textStream: () => inline.openScript(),
    });
    rewriter.onDocumentEnd((document) => document.append(inline.documentEnd()));
  }

  let injected = false;
  const injection = headInjection(ctx);
  rewriter.on('head', {
    element: (element) => {
      if (injected) return;
      injected = true;
      element.prepend(injection);
    },
  });
}

/** The nonce a page's Content-Security-Policy allows scripts with, if it uses one. */
export function cspNonce(policy: string | null): string | undefined {
  if (!policy) return undefined;
  const directives = new Map<string, string>();
  for (const directive of policy.split(';')) {
    const [name = '', ...values] = directive.trim().split(/\s+/);
    if (name !== '' && !directives.has(name.toLowerCase()))
      directives.set(name.toLowerCase(), values.join(' '));
  }
  const sources =
    directives.get('script-src-elem') ??
    directives.get('script-src') ??
    directives.get('default-src');
  return /'nonce-([^']+)'/.exec(sources ?? '')?.[1];
}
