/**
 * The HTML engine on Fastly: element rules on the host's native lol_html
 * (`HTMLRewritingStream`, no JavaScript per tag), text rules on the project's own engine.
 *
 * Why split: Fastly's JavaScript runs without a JIT, so the fewer bytes our tokenizer touches the
 * better — but `HTMLRewritingStream` offers element handlers only (no text, no document end). The
 * rules (core/proxy/html-rules.ts) are recorded once through {@link HtmlRuleTarget} and routed:
 *
 * - `rewriteAttribute(name, …)` → native `onElement('[name]')`, rules on one attribute chained in
 *   registration order (values are raw, entities not decoded, in both engines);
 * - element handlers → native `onElement(selector)`;
 * - text handlers (`<style>`, JSON and Next.js `<script>`) and document-end → our engine, in a
 *   second pass after the native one — only when any were registered.
 *
 * The native pass runs only for UTF-8 documents (its only input encoding); other charsets take
 * our engine for everything, as do rule sets the native API cannot express (async handlers).
 */
import type {
  AttributeRewrite,
  DocumentEndHandler,
  Element,
  ElementHandler,
  HandlerSet,
  HtmlEngine,
  HtmlRuleTarget,
} from '../core/html/index.ts';
import type { ByteTransform } from '../core/services.ts';

/** The `Element` of `fastly:html-rewriter`, as far as it is used here. */
export interface NativeElement {
  readonly tag: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  before(content: string): void;
  prepend(content: string): void;
  append(content: string): void;
  after(content: string): void;
  replaceWith(content: string): void;
}

/** `HTMLRewritingStream`: a transform stream that takes element handlers. */
export interface NativeRewritingStream extends ByteTransform {
  onElement(selector: string, handler: (element: NativeElement) => void): unknown;
}

interface RecordedRules {
  attributes: Map<string, AttributeRewrite[]>;
  elements: Array<{ selector: string; handler: ElementHandler }>;
  /** Text rules (`text` and/or `textStream`), for our engine's pass. */
  texts: Array<{ selector: string; handlers: Omit<HandlerSet, 'element'> }>;
  documentEnd: DocumentEndHandler[];
}

function record(setup: (target: HtmlRuleTarget) => void): RecordedRules {
  const rules: RecordedRules = {
    attributes: new Map(),
    elements: [],
    texts: [],
    documentEnd: [],
  };
  setup({
    on(selector: string, handlers: HandlerSet) {
      const { element, ...text } = handlers;
      if (element) rules.elements.push({ selector, handler: element });
      if (text.text || text.textStream) rules.texts.push({ selector, handlers: text });
    },
    rewriteAttribute(attribute: string, rewrite: AttributeRewrite) {
      const name = attribute.toLowerCase();
      const chain = rules.attributes.get(name) ?? [];
      chain.push(rewrite);
      rules.attributes.set(name, chain);
    },
    onDocumentEnd(handler: DocumentEndHandler) {
      rules.documentEnd.push(handler);
    },
  });
  return rules;
}

const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);

/**
 * @param createNative makes one native stream per document (`new HTMLRewritingStream()`).
 * @param textEngine the engine for what the native one cannot do (our own).
 */
export function fastlyHtmlEngine(
  createNative: () => NativeRewritingStream,
  textEngine: HtmlEngine,
): HtmlEngine {
  return (setup, options) => {
    const encoding = options.encoding?.trim().toLowerCase();
    if (encoding !== undefined && !UTF8_LABELS.has(encoding)) return textEngine(setup, options);

    const rules = record(setup);
    const native = createNative();
    for (const [name, chain] of rules.attributes) {
      native.onElement(`[${name}]`, (element) => rewriteAttribute(element, name, chain));
    }
    for (const { selector, handler } of rules.elements) {
      native.onElement(selector, (element) => {
        const result = handler(new NativeElementView(element));
        if (result !== undefined) {
          throw new Error(`HTML rule for "${selector}" is async; HTMLRewritingStream is sync only`);
        }
      });
    }
    if (rules.texts.length === 0 && rules.documentEnd.length === 0) return native;

    const text = textEngine((target) => {
      for (const { selector, handlers } of rules.texts) target.on(selector, handlers);
      for (const handler of rules.documentEnd) target.onDocumentEnd(handler);
    }, options);
    return { writable: native.writable, readable: native.readable.pipeThrough(text) };
  };
}

function rewriteAttribute(element: NativeElement, name: string, chain: AttributeRewrite[]) {
  const original = element.getAttribute(name);
  if (original === null || original === '') return;
  const tag = element.tag.toLowerCase();
  let value = original;
  for (const rewrite of chain) value = rewrite(value, tag) ?? value;
  if (value !== original) element.setAttribute(name, value);
}

/** Core's `Element` over the native one. Content is inserted as HTML, as in our engine. */
class NativeElementView implements Element {
  readonly #native: NativeElement;
  constructor(native: NativeElement) {
    this.#native = native;
  }
  get tagName() {
    return this.#native.tag.toLowerCase();
  }
  /** Not reported by the native API; no rule reads it. */
  get selfClosing() {
    return false;
  }
  get attributes(): ReadonlyArray<readonly [string, string]> {
    throw new Error('Element.attributes is not available on Fastly HTMLRewritingStream');
  }
  getAttribute(name: string) {
    return this.#native.getAttribute(name);
  }
  hasAttribute(name: string) {
    return this.#native.getAttribute(name) !== null;
  }
  setAttribute(name: string, value: string) {
    this.#native.setAttribute(name, value);
  }
  removeAttribute(name: string) {
    this.#native.removeAttribute(name);
  }
  before(html: string) {
    this.#native.before(html);
  }
  prepend(html: string) {
    this.#native.prepend(html);
  }
  append(html: string) {
    this.#native.append(html);
  }
  after(html: string) {
    this.#native.after(html);
  }
  remove() {
    this.#native.replaceWith('');
  }
}
