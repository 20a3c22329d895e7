/**
 * `cloudflare.html_engine = "htmlrewriter"`: the publisher's HTML rules run on the Workers
 * runtime's native lol_html (`HTMLRewriter`), through the same {@link HtmlRuleTarget} surface our
 * own engine offers, so the rules themselves (core/proxy/html-rules.ts) exist once.
 *
 * Mapping:
 * - `rewriteAttribute(name, fn)` → `on('[name]')`: lol_html hands values raw (entities not
 *   decoded), like our engine; a later rule on the same attribute sees the earlier one's value.
 * - Text handlers get the element's whole text, as in our engine: lol_html's chunks are removed
 *   as they arrive and the (possibly rewritten) text is written, as raw HTML, in place of the last
 *   one. Past {@link MAX_TEXT_CHARS} the held text is released unchanged and the rest streams
 *   through, as our engine does past `maxTextBytes`.
 * - Inserted content is always raw HTML (`{ html: true }`), as our engine's is.
 */
import { byteStringOfText, textOfByteString } from '../core/bytes/byte-strings.ts';
import type {
  AttributeRewrite,
  DocumentEnd,
  DocumentEndHandler,
  Element,
  HandlerSet,
  HtmlEngine,
  HtmlRuleTarget,
  TextContent,
} from '../core/html/index.ts';
import type { NativeElement, NativeHtmlRewriter, NativeText } from './runtime.ts';
import { workersGlobal } from './runtime.ts';

const HTML = { html: true };
const MAX_TEXT_CHARS = 10 * 1024 * 1024;

class NativeElementView implements Element {
  readonly #native: NativeElement;
  constructor(native: NativeElement) {
    this.#native = native;
  }
  get tagName() {
    return this.#native.tagName;
  }
  get selfClosing() {
    return this.#native.selfClosing;
  }
  get attributes(): ReadonlyArray<readonly [string, string]> {
    return [...this.#native.attributes];
  }
  getAttribute(name: string) {
    return this.#native.getAttribute(name);
  }
  hasAttribute(name: string) {
    return this.#native.hasAttribute(name);
  }
  setAttribute(name: string, value: string) {
    this.#native.setAttribute(name, value);
  }
  removeAttribute(name: string) {
    this.#native.removeAttribute(name);
  }
  before(html: string) {
    this.#native.before(html, HTML);
  }
  prepend(html: string) {
    this.#native.prepend(html, HTML);
  }
  append(html: string) {
    this.#native.append(html, HTML);
  }
  after(html: string) {
    this.#native.after(html, HTML);
  }
  remove() {
    this.#native.remove();
  }
}

/** Collects one text node's chunks and calls the handler once, with all of it. */
function wholeText(handler: NonNullable<HandlerSet['text']>, tagName: () => string) {
  let held = '';
  let overflow = false;
  return (chunk: NativeText): void | Promise<void> => {
    if (overflow) {
      if (chunk.lastInTextNode) overflow = false;
      return;
    }
    held += chunk.text;
    if (!chunk.lastInTextNode) {
      if (held.length > MAX_TEXT_CHARS) {
        chunk.replace(held, HTML);
        held = '';
        overflow = true;
      } else chunk.remove();
      return;
    }
    const text = held;
    held = '';
    let replacement = text;
    const view: TextContent = {
      tagName: tagName(),
      text,
      replace: (next) => {
        replacement = next;
      },
      // lol_html hands over decoded text: the byte form is made only when a rule asks for it.
      get byteText() {
        return byteStringOfText(text);
      },
      replaceByteText: (bytes) => {
        replacement = textOfByteString(bytes);
      },
    };
    const settle = () => chunk.replace(replacement, HTML);
    const result = handler(view);
    if (result instanceof Promise) return result.then(settle);
    settle();
  };
}

class NativeRuleTarget implements HtmlRuleTarget {
  readonly native: NativeHtmlRewriter;
  constructor(native: NativeHtmlRewriter) {
    this.native = native;
  }

  on(selector: string, handlers: HandlerSet): this {
    const { element, text } = handlers;
    let current = '';
    this.native.on(selector, {
      ...(element || text
        ? {
            element: (native: NativeElement) => {
              current = native.tagName;
              return element?.(new NativeElementView(native));
            },
          }
        : {}),
      ...(text ? { text: wholeText(text, () => current) } : {}),
    });
    return this;
  }

  rewriteAttribute(attribute: string, rewrite: AttributeRewrite): this {
    const name = attribute.toLowerCase();
    this.native.on(`[${name}]`, {
      element: (native) => {
        const value = native.getAttribute(name);
        if (value === null) return;
        const next = rewrite(value, native.tagName);
        if (next !== undefined && next !== value) native.setAttribute(name, next);
      },
    });
    return this;
  }

  onDocumentEnd(handler: DocumentEndHandler): this {
    this.native.onDocument({
      end: (end) => {
        const view: DocumentEnd = { append: (html) => end.append(html, HTML) };
        return handler(view);
      },
    });
    return this;
  }
}

export const nativeHtmlEngine: HtmlEngine = (setup, options) => {
  const Rewriter = workersGlobal.HTMLRewriter;
  if (Rewriter === undefined) {
    throw new Error('cloudflare.html_engine = "htmlrewriter" needs the Workers runtime');
  }
  const target = new NativeRuleTarget(new Rewriter());
  setup(target);
  const input = new TransformStream<Uint8Array, Uint8Array>();
  // lol_html takes the charset from the response it transforms.
  const contentType = options.encoding ? `text/html; charset=${options.encoding}` : 'text/html';
  const output = target.native.transform(
    new Response(input.readable, { headers: { 'content-type': contentType } }),
  );
  if (output.body === null) throw new Error('HTMLRewriter returned no body');
  return { writable: input.writable, readable: output.body };
};
