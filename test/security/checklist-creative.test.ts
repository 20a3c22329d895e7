/**
 * Hostile creatives against the creative rewriter (issue 18 item 7), string mode for auction
 * markup and streaming mode for proxied HTML: script injection through attribute values,
 * `javascript:` in srcset, a `<base href>` hijack, `<svg><use xlink:href>`, CSS `url()` with
 * `)` and quotes, a 2 MiB creative. The output is read back with parse5, a browser's parser, so
 * "what the reader's browser would do" is what is checked, not what the engine thinks it wrote.
 * (The routes that serve these, `/first-party/proxy` and the auction, are tested with them.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsError } from '../../src/core/errors.ts';
import {
  creativeHtmlTransform,
  rewriteCreativeCss,
  rewriteCreativeHtml,
} from '../../src/core/first-party/creative-rewrite.ts';
import { verifySignedUrl } from '../../src/core/first-party/verify-signed-url.ts';
import {
  attributeValues,
  creativeOptions,
  RUNTIME_TAG,
  startTags,
  treeElementNames,
} from '../first-party/creative-helpers.ts';
import { signer } from '../first-party/helpers.ts';

const NOW = Date.UTC(2026, 0, 1);

/** The clear target a first-party URL stands for, checked as the proxy route will check it. */
async function targetOf(firstParty: string): Promise<string> {
  const check = await verifySignedUrl(signer, firstParty, { now: NOW });
  assert.ok(check.ok, `${firstParty} does not verify`);
  return check.target;
}

async function streamed(markup: string): Promise<string> {
  const source = new Response(markup).body as ReadableStream<Uint8Array>;
  return new Response(source.pipeThrough(creativeHtmlTransform(creativeOptions()))).text();
}

describe('creative: script injection through attribute values', () => {
  const hostile = [
    `<img src='https://cdn.example/a.png?x="><script>alert(1)</script>'>`,
    `<a href='https://cdn.example/l?u="onmouseover="alert(1)'>x</a>`,
    `<img srcset='https://cdn.example/a.png?"><script>alert(1)</script> 1x'>`,
    `<div style='background:url("https://cdn.example/a.png?&quot;><script>alert(1)</script>")'></div>`,
  ];
  for (const markup of hostile) {
    it(markup, async () => {
      for (const out of [
        await rewriteCreativeHtml(markup, creativeOptions()),
        await streamed(markup),
      ]) {
        // Only the runtime's script element exists, and no attribute escaped its value.
        const scripts = startTags(out).filter((tag) => tag.tagName === 'script');
        assert.deepEqual(
          scripts.map((tag) => tag.attrs.src),
          ['/static/tsjs=tsjs-creative.min.js'],
          out,
        );
        assert.ok(!startTags(out).some((tag) => 'onmouseover' in tag.attrs), out);
      }
    });
  }

  it('the quote-breaking URL is still fetched as written, through the proxy', async () => {
    const out = await rewriteCreativeHtml(
      `<img src='https://cdn.example/a.png?x="><script>alert(1)</script>'>`,
      creativeOptions(),
    );
    const [src] = attributeValues(out, 'img', 'src');
    assert.equal(
      await targetOf(src as string),
      'https://cdn.example/a.png?x=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E',
    );
  });
});

describe('creative: javascript: in srcset', () => {
  const markup =
    '<img srcset="javascript:alert(1) 1x, https://cdn.example/a.png 2x, JaVaScRiPt&colon;alert(2) 3x">';

  it('is never signed (the proxy would otherwise fetch it) and the rest is proxied', async () => {
    const out = await rewriteCreativeHtml(markup, creativeOptions());
    const [srcset] = attributeValues(out, 'img', 'srcset');
    const urls = (srcset as string)
      .split(', ')
      .map((candidate) => candidate.split(' ')[0] as string);
    assert.equal(urls[0], 'javascript:alert(1)');
    assert.equal(await targetOf(urls[1] as string), 'https://cdn.example/a.png');
    assert.equal(urls[2], 'JaVaScRiPt:alert(2)');
  });

  it('drops the whole srcset under the sanitiser', async () => {
    const out = await rewriteCreativeHtml(markup, creativeOptions({ sanitize: true }));
    assert.deepEqual(attributeValues(out, 'img', 'srcset'), []);
  });
});

describe('creative: <base href> hijack', () => {
  const variants = [
    '<base href="https://evil.example/"><img src="https://cdn.example/a.png"><a href="/x">x</a>',
    '<BASE HREF=//evil.example/><img src="https://cdn.example/a.png">',
    '<html><head><base target=_top href="https://evil.example/"></head><body><img src="https://cdn.example/a.png"></body></html>',
    // Cut out, the first <base> would join the `<` before it and the text after into a new one.
    '<<base>base href="https://evil.example/"><img src="https://cdn.example/a.png">',
    '<svg><base href="https://evil.example/"/></svg><img src="https://cdn.example/a.png">',
  ];
  for (const markup of variants) {
    it(markup, async () => {
      for (const sanitize of [false, true]) {
        const out = await rewriteCreativeHtml(markup, creativeOptions({ sanitize }));
        assert.ok(!treeElementNames(out).includes('base'), out);
        assert.equal(attributeValues(out, 'img', 'src').length, 1, out);
        assert.ok(out.includes(RUNTIME_TAG), out);
      }
      assert.ok(!treeElementNames(await streamed(markup)).includes('base'));
    });
  }
});

describe('creative: <svg><use xlink:href>', () => {
  it('sprite references, image hrefs and svg links go first-party', async () => {
    const out = await rewriteCreativeHtml(
      '<svg><use xlink:href="https://evil.example/sprite.svg#i"/><use href="//evil.example/s2.svg#j"/><image xlink:href="https://evil.example/p.png"/><a xlink:href="https://evil.example/landing"><text>go</text></a></svg>',
      creativeOptions(),
    );
    const tags = startTags(out);
    const hrefs = tags
      .flatMap((tag) => [tag.attrs.href, tag.attrs['xlink:href']])
      .filter((v) => v !== undefined);
    assert.equal(hrefs.length, 4, out);
    for (const href of hrefs)
      assert.match(href, /^\/first-party\/(proxy|click)\?tsurl=https%3A%2F%2Fevil\.example%2F/);
    assert.equal(
      await targetOf(tags.find((tag) => tag.tagName === 'use')?.attrs['xlink:href'] as string),
      'https://evil.example/sprite.svg',
    );
  });
});

describe('creative: CSS url() with ) and quotes', () => {
  const cases: Array<[css: string, targets: string[]]> = [
    ['a{b:url("https://evil.example/a).png")}', ['https://evil.example/a).png']],
    ["a{b:url('https://evil.example/a.png?q=\"')}", ['https://evil.example/a.png?q=%22']],
    ['a{b:url("x)") url(https://evil.example/z.png)}', ['https://evil.example/z.png']],
    ['a{b:url(https://evil.example/a\\).png)}', ['https://evil.example/a).png']],
    ['a{b:url(  "//evil.example/sp ace.png"  )}', ['https://evil.example/sp%20ace.png']],
    [
      '@import "https://evil.example/i.css"; a{b:image-set("https://evil.example/1.png" 1x)}',
      ['https://evil.example/i.css', 'https://evil.example/1.png'],
    ],
  ];
  for (const [css, targets] of cases) {
    it(css, async () => {
      const out = await rewriteCreativeCss(css, { signer, excludeDomains: [] });
      assert.ok(!/https?:\/\/evil|\/\/evil/.test(out.replace(/tsurl=[^&'")]+/g, '')), out);
      const signed = [...out.matchAll(/\/first-party\/proxy\?[^'")\s]+/g)].map((m) => m[0]);
      assert.deepEqual(await Promise.all(signed.map(targetOf)), targets);
    });
  }

  it('inside a style attribute the same rules hold, and quotes cannot break out of it', async () => {
    const out = await rewriteCreativeHtml(
      `<div style="background:url(&quot;https://evil.example/a).png&quot;)" title="t">x</div>`,
      creativeOptions(),
    );
    const [div] = startTags(out).filter((tag) => tag.tagName === 'div');
    assert.deepEqual(Object.keys(div?.attrs ?? {}), ['style', 'title']);
    const url = /url\("([^"]+)"\)/.exec(div?.attrs.style ?? '')?.[1];
    assert.equal(await targetOf(url as string), 'https://evil.example/a).png');
  });
});

describe('creative: a 2 MiB creative', () => {
  const markup = `<div>${'<img src="https://evil.example/p.gif">'.repeat(56_000)}</div>`;

  it('is refused whole in string mode, before any signing', async () => {
    assert.ok(markup.length > 2 * 1024 * 1024);
    let tokens = 0;
    const counting = { ...signer, token: (full: string) => (tokens++, signer.token(full)) };
    await assert.rejects(
      rewriteCreativeHtml(markup, creativeOptions({ signer: counting })),
      (error) => {
        assert.ok(error instanceof TsError);
        assert.equal(error.code, 'upstream_too_large');
        assert.equal(error.publicMessage, 'Bad gateway');
        return true;
      },
    );
    assert.equal(tokens, 0);
  });

  it('errors the stream in streaming mode (the client gets a cut-off body, never the rest raw)', async () => {
    const reader = (new Response(markup).body as ReadableStream<Uint8Array>)
      .pipeThrough(creativeHtmlTransform(creativeOptions()))
      .getReader();
    let received = 0;
    let failure: unknown;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
      }
    } catch (error) {
      failure = error;
    }
    assert.ok(failure instanceof TsError, String(failure));
    assert.ok(received <= 1024 * 1024, `${received} bytes out`);
  });
});
