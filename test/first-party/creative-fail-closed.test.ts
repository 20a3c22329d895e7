/**
 * The creative rewriter refuses rather than passing on half-mediated markup: the size cap on
 * input and output, malformed endings, invalid UTF-8, handler failures; in string mode a TsError,
 * in streaming mode an errored stream. And a property: whatever the markup, no listed URL
 * attribute in the output points at a third party, unless its domain is excluded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TsError } from '../../src/core/errors.ts';
import {
  creativeHtmlTransform,
  rewriteCreativeCss,
  rewriteCreativeHtml,
  type CreativeRewriteOptions,
} from '../../src/core/first-party/creative-rewrite.ts';
import type { ProxyTokenSigner } from '../../src/core/first-party/token.ts';
import { creativeOptions, startTags } from './creative-helpers.ts';
import { signer } from './helpers.ts';

const MiB = 1024 * 1024;

async function refusal(markup: string, overrides: Partial<CreativeRewriteOptions> = {}) {
  try {
    const out = await rewriteCreativeHtml(markup, creativeOptions(overrides));
    assert.fail(`expected a refusal, got ${out.slice(0, 200)}`);
  } catch (error) {
    assert.ok(error instanceof TsError, String(error));
    return error;
  }
}

async function streamRefusal(
  chunks: Uint8Array[],
  overrides: Partial<CreativeRewriteOptions> = {},
) {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  const reader = source.pipeThrough(creativeHtmlTransform(creativeOptions(overrides))).getReader();
  let received = '';
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    assert.ok(error instanceof TsError, String(error));
    return { error, received };
  }
  return assert.fail(`expected the stream to error; it gave ${received.slice(0, 200)}`);
}

describe('the 1 MiB cap', () => {
  it('accepts a creative of exactly 1 MiB that does not grow', async () => {
    const markup = `<p>${'x'.repeat(MiB - 7)}</p>`;
    const out = await rewriteCreativeHtml(markup, creativeOptions({ runtimeTag: '' }));
    assert.equal(out.length, MiB);
  });

  it('refuses markup one byte over, in both modes', async () => {
    const markup = `<p>${'x'.repeat(MiB - 6)}</p>`;
    const error = await refusal(markup);
    assert.equal(error.code, 'upstream_too_large');
    const { error: streamed } = await streamRefusal([new TextEncoder().encode(markup)]);
    assert.equal(streamed.code, 'upstream_too_large');
  });

  it('counts bytes, not UTF-16 units', async () => {
    await refusal('é'.repeat(MiB / 2 + 1)); // 2 bytes each
  });

  it('refuses output that outgrows the cap (rewriting amplifies: each URL becomes ~150 bytes)', async () => {
    const markup = '<img src=//a.example/x>'.repeat(10_000); // 230 KB in
    const error = await refusal(markup);
    assert.equal(error.code, 'upstream_too_large');
    assert.match(error.message, /rewritten markup/);
  });

  it('takes maxBytes from the caller (proxied documents may be larger)', async () => {
    const markup = `<p>${'x'.repeat(2 * MiB)}</p>`;
    await refusal(markup);
    const out = await rewriteCreativeHtml(markup, creativeOptions({ maxBytes: 4 * MiB }));
    assert.ok(out.endsWith('</p>'));
  });
});

describe('a proxied stylesheet: 1 MiB in and out, each URL signed once', () => {
  const base = new URL('https://cdn.example/ads/style.css');

  async function cssRefusal(css: string, maxBytes?: number) {
    try {
      const out = await rewriteCreativeCss(css, {
        signer,
        excludeDomains: [],
        baseUrl: base,
        ...(maxBytes === undefined ? {} : { maxBytes }),
      });
      assert.fail(`expected a refusal, got ${out.slice(0, 200)}`);
    } catch (error) {
      assert.ok(error instanceof TsError, String(error));
      assert.equal(error.code, 'upstream_too_large');
      return error;
    }
  }

  it('refuses a stylesheet over 1 MiB, even when the configured cap is larger', async () => {
    const error = await cssRefusal(`a{}${' '.repeat(MiB)}`, 10 * MiB);
    assert.match(error.message, /stylesheet is/);
  });

  it('refuses one whose rewriting outgrows 1 MiB, early: 1 MiB of url(a) was 19 MiB', async () => {
    const css = 'url(a)'.repeat(Math.floor(MiB / 6));
    const started = performance.now();
    const error = await cssRefusal(css, 10 * MiB);
    assert.match(error.message, /rewritten stylesheet/);
    assert.ok(performance.now() - started < 2000, 'took seconds');
  });

  it('signs each absolute URL once however often it appears', async () => {
    let signed = 0;
    const counting: ProxyTokenSigner = {
      ...signer,
      tokenSync: (full) => (signed++, signer.tokenSync(full)),
      token: (full) => (signed++, signer.token(full)),
    };
    const css = 'a{background:url(a.png)}b{background:url("a.png")}c{background:url(b.png)}';
    const out = await rewriteCreativeCss(css.repeat(100), {
      signer: counting,
      excludeDomains: [],
      baseUrl: base,
    });
    assert.equal(signed, 2);
    assert.equal(out.split('/first-party/proxy?').length - 1, 300);
  });
});

describe('malformed markup fails closed', () => {
  const malformed: Array<[string, string]> = [
    ['an unterminated tag', '<p>ad</p><img src="https://cdn.example/a.png'],
    ['an unterminated attribute quote', '<a href="https://cdn.example/x>text</a>'],
    ['an unterminated comment', '<p>ad</p><!-- the page after this would vanish'],
    ['an unterminated script', '<script>var x = 1;'],
    ['an unterminated style', '<style>.x{}'],
    ['an unterminated textarea', '<textarea>'],
    ['an unterminated title', '<title>x'],
    ['plaintext', '<plaintext>anything'],
    ['an unterminated xmp', '<xmp>x'],
    ['an unterminated iframe (raw text)', '<iframe>x'],
  ];
  for (const [name, markup] of malformed) {
    it(`${name}: string mode throws, streaming errors`, async () => {
      const error = await refusal(markup);
      assert.equal(error.code, 'upstream_failed');
      assert.equal(error.status, 502);
      await streamRefusal([new TextEncoder().encode(markup)]);
    });
  }

  it('an element the sanitiser is removing that never ends', async () => {
    await refusal('<p>ad</p><form><input>', { sanitize: true });
  });

  it('a creative cannot fake the end marker', async () => {
    // The marker is random per call; an imitation earlier in the markup changes nothing.
    await refusal('<ts-creative-end-0000000000000000><img src="x');
  });

  it('well-formed endings are fine: an unclosed <div>, <p>, <svg>', async () => {
    const out = await rewriteCreativeHtml('<div><p>ad<svg><circle r="1"/>', creativeOptions());
    assert.ok(out.endsWith('<circle r="1"/>'), out);
  });

  it('a handler failure (the signer) is refused with the cause kept for the log', async () => {
    const failing: ProxyTokenSigner = {
      token: () => Promise.reject(new Error('digest unavailable')),
      tokenSync: () => {
        throw new Error('digest unavailable');
      },
      verify: () => Promise.resolve(false),
      encodeUrl: () => Promise.reject(new Error('digest unavailable')),
    };
    const error = await refusal('<img src="https://cdn.example/a.png">', { signer: failing });
    assert.match(error.message, /digest unavailable/);
    await streamRefusal([new TextEncoder().encode('<img src="https://cdn.example/a.png">')], {
      signer: failing,
    });
  });
});

describe('invalid UTF-8 fails closed', () => {
  it('string mode: a lone surrogate', async () => {
    await refusal('<p>\ud800</p>');
  });

  it('streaming: invalid bytes, and a sequence cut off at the end', async () => {
    await streamRefusal([Uint8Array.of(0x3c, 0x70, 0x3e, 0xff, 0x3c)]);
    await streamRefusal([new TextEncoder().encode('<p>ok</p>'), Uint8Array.of(0xe2, 0x82)]);
  });

  it('streaming: a multi-byte character split across chunks is fine', async () => {
    const bytes = new TextEncoder().encode('<p>€</p>');
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 4));
        controller.enqueue(bytes.subarray(4));
        controller.close();
      },
    });
    const out = await new Response(
      source.pipeThrough(creativeHtmlTransform(creativeOptions({ runtimeTag: '' }))),
    ).text();
    assert.equal(out, '<p>€</p>');
  });
});

describe('property: no listed attribute reaches a third party', () => {
  const LISTED: Array<[tag: string, attribute: string]> = [
    ['img', 'src'],
    ['img', 'data-src'],
    ['img', 'srcset'],
    ['source', 'srcset'],
    ['script', 'src'],
    ['link', 'href'],
    ['link', 'imagesrcset'],
    ['video', 'src'],
    ['video', 'poster'],
    ['audio', 'src'],
    ['source', 'src'],
    ['track', 'src'],
    ['object', 'data'],
    ['embed', 'src'],
    ['iframe', 'src'],
    ['a', 'href'],
    ['area', 'href'],
    ['image', 'href'],
    ['image', 'xlink:href'],
    ['use', 'href'],
    ['use', 'xlink:href'],
    ['div', 'style'],
    ['a', 'ping'],
    ['script', 'href'],
    ['body', 'background'],
  ];
  const VOID = new Set(['img', 'source', 'track', 'embed', 'link', 'area']);
  const hosts = ['cdn.example', 'evil.example', 'ok.excluded.example'];
  const url = fc
    .tuple(
      fc.constantFrom(
        'https://',
        'http://',
        '//',
        'HTTPS://',
        '\\\\',
        '/\\',
        'https&colon;//',
        '&#47;/',
        '/\t/',
        ' //',
        '/',
        './',
        'data:image/png,',
        'javascript:',
      ),
      fc.constantFrom(...hosts),
      fc.constantFrom('/a.png', '/x?y=1&amp;z=2', ':8443/p', '/q"r', "/s'u"),
    )
    .map(([scheme, host, rest]) => `${scheme}${host}${rest}`);
  const element = fc
    .tuple(fc.constantFrom(...LISTED), url, fc.boolean())
    .map(([[tag, attribute], value, upper]) => {
      const quoted = value.replace(/"/g, '&quot;');
      const attributeValue =
        attribute === 'style'
          ? `background:url('${quoted.replace(/'/g, '%27')}')`
          : attribute.endsWith('srcset')
            ? `${quoted} 1x, ${quoted} 2x`
            : quoted;
      const name = upper ? tag.toUpperCase() : tag;
      const open = `<${name} ${attribute}="${attributeValue}"${tag === 'input' ? ' type=image' : ''}>`;
      if (tag === 'image' || tag === 'use') return `<svg>${open}</svg>`;
      return VOID.has(tag) ? open : `${open}x</${name}>`;
    });

  it('every absolute URL in a listed attribute is first-party or excluded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(element, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (parts, sanitize) => {
          const out = await rewriteCreativeHtml(
            parts.join('<br>'),
            creativeOptions({ excludeDomains: ['*.excluded.example'], sanitize }),
          );
          for (const tag of startTags(out)) {
            for (const [name, value] of Object.entries(tag.attrs)) {
              if (!LISTED.some(([, attribute]) => attribute === name) && name !== 'data-tsclick')
                continue;
              for (const found of value.matchAll(/(?:url\(\s*['"]?|^|,\s*)([^\s'")]+)/g)) {
                const candidate = found[1] as string;
                let target: URL;
                try {
                  target = new URL(candidate, 'https://publisher.example/page');
                } catch {
                  continue;
                }
                if (!/^https?:$/.test(target.protocol)) continue;
                const ok =
                  target.hostname === 'publisher.example' ||
                  target.hostname.endsWith('.excluded.example');
                assert.ok(ok, `${name}="${value}" reaches ${target.hostname} in ${out}`);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
