/**
 * Property tests: for every way of cutting a document into chunks (1-byte chunks, cuts inside
 * UTF-8 characters, inside `</script>`, attribute values, comments…) the output is identical, and
 * with rules that change nothing the output is the input, byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { HtmlRewriter } from '../src/core/html/index.ts';
import { decodeHTMLAttribute } from 'entities';
import { installByteSearch } from '../src/core/bytes/byte-search.ts';
import { HtmlRewriter as Rewriter } from '../src/core/html/index.ts';
import { nodeBytePrimitives } from '../src/node/byte-primitives.ts';
import { parse5Tags } from './helpers/parse5-tags.ts';
import { rewriteBytes, replaceHost, type Setup } from './helpers/rewrite.ts';

const HTML_NAMES = [
  'a',
  'A',
  'img',
  'div',
  'p',
  'head',
  'body',
  'script',
  'SCRIPT',
  'style',
  'title',
  'textarea',
  'iframe',
  'xmp',
  'link',
  'meta',
  'form',
  'source',
];
const FOREIGN_NAMES = ['svg', 'math', 'foreignObject', 'mi', 'font'];
const attrNames = fc.constantFrom(
  'href',
  'HREF',
  'src',
  'srcSet',
  'srcset',
  'action',
  'class',
  'id',
  'data-x',
  'imagesrcset',
  '=x',
  'a"b',
);
const texty = fc.constantFrom(
  'hello',
  ' ',
  '\n',
  'é',
  '思',
  '🎉',
  '&amp;',
  '&',
  '>',
  '<',
  '</',
  '"',
  "'",
  '=',
  'https://origin.test/path?q=1',
  '//origin.test/x',
  'origin.test',
  '\u0000',
  '\r\n',
);
const value = fc.array(texty, { maxLength: 5 }).map((parts) => parts.join(''));

const attribute = fc
  .tuple(
    attrNames,
    fc.constantFrom('"', "'", '', 'none'),
    value,
    fc.constantFrom(' ', '\n', '  ', ''),
  )
  .map(([name, quote, text, space]) => {
    if (quote === 'none') return `${space || ' '}${name}`;
    if (quote === '') return `${space || ' '}${name}=${text.replace(/[\s>"'`=<]/g, '') || 'v'}`;
    return `${space || ' '}${name}=${quote}${text.split(quote).join('')}${quote}`;
  });

const SPECIALS = [
  '<!-- c -->',
  '<!-->',
  '<!--->',
  '<!-- a --!>',
  '<!-- -- -->',
  '<!---->',
  '<!DOCTYPE html>',
  '<?php x ?>',
  '</ >',
  '</>',
  '<![CDATA[ x ]]>',
  '<!x>',
  '<script><!--<script>x</script>--></script>',
  '<script>a</scriptx></script>',
  '<script>"</script"</script>',
  '<title><b></title>',
  '<style>p{}</style >',
  '<textarea></textarea foo="x>y">',
  '<svg><![CDATA[<a>]]></svg>',
  '<svg><title><script>x</script></title></svg>',
  '<math><mi><style><a></style></mi></math>',
  '<plaintext>',
];

/** Random documents; `foreign` adds SVG/MathML, which parse5's SAX parser does not model fully. */
function documents(foreign: boolean) {
  const names = fc.constantFrom(...HTML_NAMES, ...(foreign ? FOREIGN_NAMES : []));
  const startTag = fc
    .tuple(names, fc.array(attribute, { maxLength: 4 }), fc.constantFrom('>', '/>', ' >'))
    .map(([name, attrs, close]) => `<${name}${attrs.join('')}${close}`);
  const endTag = names.map((name) => `</${name}>`);
  const special = fc.constantFrom(...SPECIALS.filter((s) => foreign || !/svg|math|CDATA/.test(s)));
  const fragment = fc.oneof(
    { weight: 4, arbitrary: texty },
    { weight: 4, arbitrary: startTag },
    { weight: 2, arbitrary: endTag },
    { weight: 2, arbitrary: special },
  );
  return fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(''));
}
const documentBytes = documents(true).map((text) => new TextEncoder().encode(text));
const chunkSizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 });

const identity: Setup = (rewriter: HtmlRewriter) => {
  rewriter.on('*', {
    element: (element) => {
      void element.attributes;
      void element.getAttribute('href');
    },
  });
  rewriter.on('script', { text: (text) => void text.text });
  rewriter.onEndTag('*', () => {});
};

const rewriting: Setup = (rewriter) => {
  for (const name of ['href', 'src', 'srcset'])
    replaceHost(name, 'origin.test', 'fp.test:8080')(rewriter);
  for (const name of ['action', 'imagesrcset', 'class']) {
    rewriter.rewriteAttribute(name, (value) =>
      value.replaceAll('origin.test', 'fp.test:8080').replaceAll('"', "'"),
    );
  }
  rewriter.on('head', { element: (el) => el.prepend('<script src="/tsjs"></script>') });
  rewriter.on('script', { text: (text) => text.replace(text.text.replaceAll('origin', 'ORIGIN')) });
  rewriter.on('style', {
    text: async (text) => {
      await Promise.resolve();
      text.replace(`/*a*/${text.text}`);
    },
  });
  rewriter.on('form', { element: (el) => el.remove() });
  rewriter.on('div', {
    element: async (el) => {
      await Promise.resolve();
      el.after('<!--after div-->');
      el.append('<!--end div-->');
    },
  });
  rewriter.onEndTag('body', (end) => end.before('<div id="bids"></div>'));
  rewriter.onDocumentEnd((doc) => doc.append('<!--eof-->'));
};

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('chunk invariance (fast-check)', () => {
  it('with rules that change nothing, output equals input byte for byte, in any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(documentBytes, chunkSizes, async (input, sizes) => {
        const out = await rewriteBytes(input, identity, sizes);
        assert.equal(hex(out), hex(input));
      }),
      { numRuns: 400 },
    );
  });

  it('with rewriting rules (sync and async), every chunking gives the single-chunk output', async () => {
    await fc.assert(
      fc.asyncProperty(documentBytes, chunkSizes, async (input, sizes) => {
        const whole = await rewriteBytes(input, rewriting);
        const chunked = await rewriteBytes(input, rewriting, sizes);
        assert.equal(hex(chunked), hex(whole));
        const single = await rewriteBytes(input, rewriting, [1]);
        assert.equal(hex(single), hex(whole));
      }),
      { numRuns: 300 },
    );
  });

  it("with Node's byte search installed (as the Node server runs), the output is the same", async () => {
    await fc.assert(
      fc.asyncProperty(documentBytes, chunkSizes, async (input, sizes) => {
        const standard = await rewriteBytes(input, rewriting, sizes);
        installByteSearch(nodeBytePrimitives.search);
        try {
          const node = await rewriteBytes(input, rewriting, sizes);
          assert.equal(hex(node), hex(standard));
        } finally {
          installByteSearch(undefined);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('cuts inside multi-byte characters, </script>, attribute values and comments', async () => {
    const html = new TextEncoder().encode(
      `<head><title>思🎉</title></head><a href="https://origin.test/é思?x=🎉">é</a><!-- 🎉 --><script>var a="</scr"+"ipt>";</script><body>思</body>`,
    );
    const whole = await rewriteBytes(html, rewriting);
    for (let cut = 1; cut < html.byteLength; cut++) {
      const out = await rewriteBytes(html, rewriting, [cut, html.byteLength]);
      assert.equal(hex(out), hex(whole), `cut at ${cut}`);
    }
    assert.match(Buffer.from(whole).toString(), /<a href="https:\/\/fp.test:8080\/é思\?x=🎉">/);
  });
});

/** The tags our tokenizer finds, in parse5-tags.ts' notation (names lowercased on both sides). */
function ourTags(html: string): string[] {
  const tags: string[] = [];
  const rewriter = new Rewriter({ output: () => {} });
  rewriter.on('*', {
    element: (el) => {
      const seen = new Set<string>();
      const attrs: string[] = [];
      for (const [name, raw] of el.attributes) {
        if (seen.has(name)) continue;
        seen.add(name);
        attrs.push(
          `${name.replace(/\0/g, '\uFFFD')}=${decodeHTMLAttribute(raw).replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD')}`,
        );
      }
      tags.push(
        `<${el.tagName.replace(/\0/g, '\uFFFD')} ${attrs.join('|')}${el.selfClosing ? ' /' : ''}>`,
      );
    },
  });
  rewriter.onEndTag('*', (end) => void tags.push(`</${end.name.replace(/\0/g, '\uFFFD')}>`));
  void rewriter.write(new TextEncoder().encode(html));
  void rewriter.end();
  return tags;
}

describe('differential tokenization against parse5 (fast-check)', () => {
  it('finds the same start and end tags, attributes and self-closing flags as parse5', () => {
    const lower = (tags: string[]) =>
      tags.map((tag) => tag.replace(/^<\/?[^ >]+/, (name) => name.toLowerCase()));
    fc.assert(
      fc.property(documents(false), (html) => {
        // parse5 follows a browser with scripting on (so does this rewriter); the input stream's
        // CR/LF normalisation applies to both.
        const input = html.replace(/\r\n?/g, '\n');
        assert.deepEqual(lower(ourTags(input)), lower(parse5Tags(input)));
      }),
      { numRuns: 1500 },
    );
  });
});
