/**
 * The Fastly HTML pipeline's routing, checked under Node: the native `HTMLRewritingStream` is
 * stood in for by a fake that exposes only what Fastly's does (`onElement`, an element with
 * `tag`/get/set/remove attribute/insertions/`replaceWith`) over our own engine. Output must be
 * byte-identical to our engine running every rule, which proves no rule is lost or reordered by
 * the split. lol_html's own serialisation of changed attributes is not covered here (Viceroy).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinHtmlEngine, htmlRewriterStream, type Element } from '../src/core/html/index.ts';
import type { HtmlEngine } from '../src/core/html/index.ts';
import { applyHtmlRules, type HtmlRuleContext } from '../src/core/proxy/html-rules.ts';
import { NextInlinePayloads } from '../src/core/rewrite/next-inline.ts';
import { OriginMatcher } from '../src/core/rewrite/origin-urls.ts';
import type { ByteTransform } from '../src/core/services.ts';
import {
  fastlyHtmlEngine,
  type NativeElement,
  type NativeRewritingStream,
} from '../src/fastly/html-engine.ts';

function asNative(element: Element): NativeElement {
  return {
    tag: element.tagName,
    getAttribute: (name) => element.getAttribute(name),
    setAttribute: (name, value) => element.setAttribute(name, value),
    removeAttribute: (name) => element.removeAttribute(name),
    before: (content) => element.before(content),
    prepend: (content) => element.prepend(content),
    append: (content) => element.append(content),
    after: (content) => element.after(content),
    replaceWith: (content) => {
      assert.equal(content, '', 'only removal is used');
      element.remove();
    },
  };
}

/** Element handlers only, like Fastly's: the text/document-end rules cannot reach it. */
class FakeNative implements NativeRewritingStream {
  readonly selectors: string[] = [];
  readonly #handlers: Array<{ selector: string; handler: (element: NativeElement) => void }> = [];
  #stream: ByteTransform | undefined;
  onElement(selector: string, handler: (element: NativeElement) => void) {
    this.selectors.push(selector);
    this.#handlers.push({ selector, handler });
    return this;
  }
  #get(): ByteTransform {
    this.#stream ??= htmlRewriterStream((rewriter) => {
      for (const { selector, handler } of this.#handlers) {
        rewriter.on(selector, { element: (element) => handler(asNative(element)) });
      }
    });
    return this.#stream;
  }
  get writable() {
    return this.#get().writable;
  }
  get readable() {
    return this.#get().readable;
  }
}

const ORIGIN = 'https://origin.publisher.test';
const matcher = new OriginMatcher(ORIGIN);
const target = { scheme: 'https', host: 'www.publisher.test' };

function context(nextjs: boolean): HtmlRuleContext {
  return {
    matcher,
    target,
    tsjsSrc: '/static/tsjs=tsjs-core.min.js?v=abc',
    headSnippets: '',
    nonce: 'n0nce',
    ...(nextjs ? { nextInline: new NextInlinePayloads(matcher, target, 1 << 20) } : {}),
  };
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8">
<meta property="og:image" content="${ORIGIN}/og.png">
<link rel="stylesheet" href="${ORIGIN}/site.css">
<style>.hero{background:url(${ORIGIN}/hero.jpg)}</style>
<script type="application/ld+json">{"url":"${ORIGIN}/article","logo":"//origin.publisher.test/l.png"}</script>
<script>self.__next_f.push([1,"see ${ORIGIN}/x"])</script>
</head><body>
<a href="${ORIGIN}/about?x=1&amp;y=2">About</a>
<img src="${ORIGIN}/a.jpg" srcset="${ORIGIN}/a-1x.jpg 1x, ${ORIGIN}/a-2x.jpg 2x" style="background:url('${ORIGIN}/b.png')">
<form action="${ORIGIN}/search"><button formaction="${ORIGIN}/go">Go</button></form>
<video poster="${ORIGIN}/p.jpg"></video><a href="https://elsewhere.test/">x</a><a href>empty</a>
</body></html>`;

async function run(engine: HtmlEngine, nextjs: boolean, encoding?: string): Promise<string> {
  const transform = engine((rewriter) => applyHtmlRules(rewriter, context(nextjs)), {
    ...(encoding ? { encoding } : {}),
  });
  const input = new Blob([PAGE]).stream() as ReadableStream<Uint8Array>;
  return new Response(input.pipeThrough(transform)).text();
}

describe('Fastly HTML engine: element rules native, text rules on our engine', () => {
  for (const nextjs of [false, true]) {
    it(`matches our engine byte for byte (Next.js ${nextjs ? 'on' : 'off'})`, async () => {
      const natives: FakeNative[] = [];
      const engine = fastlyHtmlEngine(() => {
        const native = new FakeNative();
        natives.push(native);
        return native;
      }, builtinHtmlEngine);
      const expected = await run(builtinHtmlEngine, nextjs);
      assert.notEqual(expected, PAGE, 'the rules changed something');
      assert.equal(await run(engine, nextjs), expected);
      assert.equal(natives.length, 1);
      // Every attribute rule and element rule went native; nothing text-shaped did.
      assert.deepEqual(natives[0]!.selectors, [
        '[href]',
        '[src]',
        '[action]',
        '[formaction]',
        '[poster]',
        '[srcset]',
        '[imagesrcset]',
        '[style]',
        'meta[content]',
        'head',
      ]);
    });
  }

  it('sends non-UTF-8 documents to our engine alone (the native one reads UTF-8 only)', async () => {
    const engine = fastlyHtmlEngine(() => assert.fail('native engine used'), builtinHtmlEngine);
    assert.equal(
      await run(engine, false, 'windows-1252'),
      await run(builtinHtmlEngine, false, 'windows-1252'),
    );
  });

  it('skips the second pass when no text rule is registered', () => {
    const native = new FakeNative();
    const engine = fastlyHtmlEngine(() => native, builtinHtmlEngine);
    const transform = engine((target) => target.rewriteAttribute('href', () => undefined), {});
    assert.equal(transform.readable, native.readable);
  });

  it('fails loudly on an async element rule, which the native API cannot await', async () => {
    const engine = fastlyHtmlEngine(() => new FakeNative(), builtinHtmlEngine);
    const transform = engine((target) => target.on('head', { element: async () => {} }), {});
    const input = new Blob(['<head></head>']).stream() as ReadableStream<Uint8Array>;
    await assert.rejects(new Response(input.pipeThrough(transform)).text(), /is async/);
  });
});
