/**
 * Creative rewriting against upstream's `creative.rs` cases (as a table), with the spec §I.4
 * token vectors for exact URLs; where the runtime goes; and streaming giving the same bytes as the
 * string mode for every chunking. Output is read back with parse5, not with the engine under test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  creativeHtmlTransform,
  creativeRewriters,
  rewriteCreativeCss,
  rewriteCreativeHtml,
} from '../../src/core/first-party/creative-rewrite.ts';
import { builtinHtmlEngine } from '../../src/core/html/index.ts';
import {
  attributeValues,
  CLICK_LANDING,
  count,
  creativeOptions,
  PROXY_A_PNG,
  PROXY_ASSET_JS,
  RUNTIME_TAG,
  startTags,
} from './creative-helpers.ts';
import { signer } from './helpers.ts';

const PROXY = '/first-party/proxy?tsurl=';
const rewrite = (html: string, overrides = {}) =>
  rewriteCreativeHtml(html, creativeOptions(overrides));

describe('upstream creative.rs cases', () => {
  /** [name, markup, proxied URL count (at least), substrings that must survive]. */
  const table: Array<[string, string, number, string[]]> = [
    [
      'rewrites_width_height_attrs',
      '<div><img width="1" height="1" src="https://t.example/p.gif"></div>',
      1,
      [],
    ],
    [
      'rewrites_style_1x1_px',
      '<img style="width:1px; height:1px" src="https://t.example/a.png">',
      1,
      [],
    ],
    [
      'rewrites_style_1x1_no_units_and_messy_spacing',
      '<img style="  HEIGHT : 1 ;   width: 1  ; display:block" src="//cdn.example/p">',
      1,
      [],
    ],
    [
      'rewrites_non_1x1_absolute_image_and_leaves_relative',
      '<img width="300" height="250" src="https://t.example/a.gif"><img width="300" height="250" src="/local/pixel.gif">',
      1,
      ['src="/local/pixel.gif"'],
    ],
    [
      'rewrites_iframe_src (absolute)',
      '<iframe src="https://cdn.example/ad.html"></iframe>',
      1,
      [],
    ],
    [
      'rewrites_iframe_src (protocol-relative)',
      '<iframe src="//cdn.example/ad.html"></iframe>',
      1,
      [],
    ],
    [
      'rewrites_iframe_src (relative)',
      '<iframe src="/local/ad.html"></iframe>',
      0,
      ['<iframe src="/local/ad.html"'],
    ],
    [
      'rewrites_source_srcset_inside_picture',
      '<picture><source type="image/webp" srcset="https://cdn.example/img-1x.webp 1x, //cdn.example/img-2x.webp 2x, /local/img.webp 1x"><img src="/fallback.jpg" alt=""></picture>',
      2,
      ['/local/img.webp 1x', '<img src="/fallback.jpg"'],
    ],
    [
      'rewrites_script_src_and_leaves_relative',
      '<script src="https://cdn.example/lib.js"></script><script src="/local/app.js"></script>',
      1,
      ['<script src="/local/app.js"'],
    ],
    [
      'rewrites_stylesheet_and_preload_links',
      '<link rel="stylesheet" href="https://cdn.example/site.css"><link rel="preload" as="script" href="//cdn.example/app.js"><link rel="prefetch" href="https://cdn.example/next.css">',
      3,
      [],
    ],
    [
      'rewrites_media_sources_video_audio_source',
      '<video src="https://cdn.example/v.mp4"></video><audio src="//cdn.example/a.mp3"></audio><video><source src="https://cdn.example/trailer.mp4"><track src="https://cdn.example/subs.vtt"></video>',
      4,
      [],
    ],
    [
      'rewrites_object_and_embed_and_input_image',
      '<object data="https://cdn.example/a.swf"></object><embed src="//cdn.example/b.swf"></embed><input type="image" src="https://cdn.example/btn.png"><input type="text" src="https://cdn.example/not.png">',
      3,
      ['src="https://cdn.example/not.png"'],
    ],
    [
      'rewrites_svg_href_variants',
      '<svg><image href="https://cdn.example/pic.svg" /><image xlink:href="//cdn.example/pic2.svg" /><use href="https://cdn.example/sprite.svg#icon" /><use xlink:href="//cdn.example/sprite2.svg#icon" /></svg>',
      4,
      [],
    ],
    [
      'rewrites_inline_style_url_variants',
      `<div style="background-image:url(https://cdn.example/bg.png);"></div><div style="background:url('//cdn.example/bg2.jpg') no-repeat"></div><div style='mask-image: url( //cdn.example/mask.svg )'></div>`,
      3,
      [],
    ],
    [
      'rewrites_style_block_url_variants',
      "<style>.a{background:url(https://cdn.example/s1.png)} .b{background-image:url('//cdn.example/s2.jpg')}</style>",
      2,
      [],
    ],
    [
      'link_rel_case_and_multi_values_rewritten',
      "<link REL='StyleSheet preload' href='https://cdn.example/s.css' imagesrcset='https://cdn.example/a.png 1x, /local.png 1x'>",
      2,
      ['/local.png 1x'],
    ],
    [
      'style_multiple_urls_and_relative_variants',
      `<div style="background-image:url(https://cdn.example/a.png); mask: url(../rel.svg) center no-repeat; border-image:url('//cdn.example/b.png') 30 fill"></div>`,
      2,
      ['url(../rel.svg)'],
    ],
    [
      'dont_proxy_non_network_schemes',
      '<img src="data:image/png;base64,AAAA"><iframe src="about:blank"></iframe><script src="javascript:alert(1)"></script>',
      0,
      [
        'data:image/png;base64,AAAA',
        '<iframe src="about:blank"',
        '<script src="javascript:alert(1)"',
      ],
    ],
    [
      'rewrites_lazy_img_data_src (data-srcset stays, as upstream)',
      '<img data-src="https://cdn.example/lazy.png"><img data-srcset="https://cdn.example/img-1x.png 1x, /local/img.png 1x">',
      1,
      ['data-src="/first-party/proxy?tsurl=', '/local/img.png 1x'],
    ],
    [
      'rewrite_html_excludes_blacklisted_domains',
      '<img src="https://trusted-cdn.example.com/logo.png"><img src="//trusted-cdn.example.com/protocol-relative.png"><img src="https://other-cdn.example.com/banner.jpg">',
      1,
      [
        'src="https://trusted-cdn.example.com/logo.png"',
        'src="//trusted-cdn.example.com/protocol-relative.png"',
        'other-cdn.example.com',
      ],
    ],
    [
      'rewrite_srcset_excludes_blacklisted_domains',
      '<img srcset="https://trusted-cdn.example.com/img-1x.png 1x, https://cdn.example.com/img-2x.png 2x">',
      1,
      ['https://trusted-cdn.example.com/img-1x.png 1x'],
    ],
    [
      'rewrite_style_urls_excludes_blacklisted_domains',
      '<style>@font-face{src:url(https://trusted-cdn.example.com/font.woff2)} body{background:url(https://cdn.example.com/bg.png)}</style>',
      1,
      ['url(https://trusted-cdn.example.com/font.woff2)'],
    ],
    [
      'rewrite_creative_preserves_non_standard_port',
      '<!DOCTYPE html><html><body><a href="//cdn.example.com:9443/click"><img src="//cdn.example.com:9443/img/300x250.svg" /></a><img src="//cdn.example.com:9443/pixel?pid=test" width="1" height="1" /></body></html>',
      2,
      ['cdn.example.com%3A9443'],
    ],
  ];
  for (const [name, markup, proxied, kept] of table) {
    it(name, async () => {
      const out = await rewrite(markup, { excludeDomains: ['trusted-cdn.example.com'] });
      assert.ok(count(out, PROXY) >= proxied, `${proxied} proxied URLs expected in ${out}`);
      if (proxied === 0) assert.equal(count(out, PROXY), 0, out);
      for (const text of kept) assert.ok(out.includes(text), `"${text}" expected in ${out}`);
    });
  }

  it('rewrites_srcset_attribute_cases / rewrites_imagesrcset_attribute_cases', async () => {
    const cases: Array<[string, string, string[]]> = [
      [
        'https://cdn.example/img-1x.png 1x, //cdn.example/img-2x.png 2x, /local/img.png 1x',
        '/local/img.png 1x',
        [' 1x', ' 2x'],
      ],
      [
        'https://cdn.example/img-1x.png 1x,//cdn.example/img-1_5x.png 1.5x,/local/img.png 2x',
        '/local/img.png 2x',
        [' 1x', ' 1.5x'],
      ],
      [
        'https://cdn.example/a.png 1x,local/b.png 2x,//cdn.example/c.png 3x',
        'local/b.png 2x',
        [' 1x', ' 2x', ' 3x'],
      ],
      [
        '  https://cdn.example/a.png    1x  ,  //cdn.example/b.png   2x ,   /local/c.png   1x  ',
        '/local/c.png 1x',
        [' 1x', ' 2x'],
      ],
      [
        'https://cdn.example/a.png 100w, //cdn.example/b.png 2x, /local/c.png 1x',
        '/local/c.png 1x',
        [' 100w', ' 2x'],
      ],
    ];
    for (const attribute of ['srcset', 'imagesrcset']) {
      for (const [value, relative, descriptors] of cases) {
        const out = await rewrite(`<img ${attribute}="${value}">`);
        assert.equal(count(out, PROXY), 2, out);
        assert.ok(out.includes(relative), out);
        for (const descriptor of descriptors) assert.ok(out.includes(descriptor), out);
      }
    }
  });

  it('rewrite_srcset_ignores_non_network_schemes', async () => {
    const out = await rewrite(
      '<img srcset="data:image/png;base64,AAAA 1x, https://cdn.example/a.png 2x">',
    );
    const [srcset] = attributeValues(out, 'img', 'srcset');
    assert.equal(srcset, `data:image/png;base64,AAAA 1x, ${PROXY_A_PNG} 2x`);
  });

  it('rewrites_anchor_click_to_first_party, with the exact signed URL in href and data-tsclick', async () => {
    const out = await rewrite(
      '<a href="https://cdn.example/landing.html?x=1">Buy</a> <a href="/local">Local</a>',
    );
    const anchors = startTags(out).filter((tag) => tag.tagName === 'a');
    assert.deepEqual(anchors[0]?.attrs, { href: CLICK_LANDING, 'data-tsclick': CLICK_LANDING });
    assert.deepEqual(anchors[1]?.attrs, { href: '/local' });
  });

  it('rewrite_click_urls_excludes_blacklisted_domains: excluded links get no data-tsclick', async () => {
    const out = await rewrite(
      '<a href="https://trusted-landing.example.com/page">T</a><area href="https://advertiser.example.com/landing">',
      { excludeDomains: ['trusted-landing.example.com'] },
    );
    const tags = startTags(out);
    assert.deepEqual(tags.find((tag) => tag.tagName === 'a')?.attrs, {
      href: 'https://trusted-landing.example.com/page',
    });
    const area = tags.find((tag) => tag.tagName === 'area')?.attrs;
    assert.ok(
      area?.href?.startsWith('/first-party/click?tsurl=https%3A%2F%2Fadvertiser.example.com'),
    );
    assert.equal(area?.['data-tsclick'], area?.href);
  });

  it('exact URLs from the §I.4 vectors: img src, data-src, style url(), <style> url()', async () => {
    const out = await rewrite(
      `<img src="https://cdn.example/a.png" data-src="//cdn.example/a.png"><div style="background:url('https://cdn.example/asset.js?c=3&amp;b=2')"></div><style>.x{background:url(https://cdn.example/a.png)}</style>`,
    );
    assert.deepEqual(attributeValues(out, 'img', 'src'), [PROXY_A_PNG]);
    assert.deepEqual(attributeValues(out, 'img', 'data-src'), [PROXY_A_PNG]);
    assert.deepEqual(attributeValues(out, 'div', 'style'), [`background:url('${PROXY_ASSET_JS}')`]);
    // Raw text: no entity decoding in <style>, so the signed URL's & stays a plain &.
    assert.ok(out.includes(`<style>.x{background:url(${PROXY_A_PNG})}</style>`), out);
  });

  it('rewrite_only_mode_strips_base_elements (head and body)', async () => {
    const out = await rewrite(
      '<html><head><base href="https://third-party.example/"></head><body><base href="https://third-party.example/deep/"><img src="https://cdn.example/ad.png"></body></html>',
    );
    assert.ok(!out.toLowerCase().includes('<base'), out);
    assert.ok(out.includes(PROXY), out);
  });

  it('rewrite_returns_empty_for_empty_input', async () => {
    assert.equal(await rewrite(''), '');
  });

  it('rewriteCreativeCss (rewrite_css_body_direct_smoke)', async () => {
    const css =
      ".x{background:url(https://cdn.example/a.png)} .y{mask:url('//cdn.example/b.svg')} .z{background:url(/local.png)}";
    const out = await rewriteCreativeCss(css, { signer, excludeDomains: [] });
    assert.equal(count(out, PROXY), 2, out);
    assert.ok(out.startsWith(`.x{background:url(${PROXY_A_PNG})}`), out);
    assert.ok(out.includes('url(/local.png)'), out);
  });
});

describe('the creative runtime', () => {
  it('goes at the start of the first <body>, once, however many bodies', async () => {
    const out = await rewrite(
      '<html><head><title>t</title></head><body>one</body><body>two</body></html>',
    );
    assert.equal(
      out,
      `<html><head><title>t</title></head><body>${RUNTIME_TAG}one</body><body>two</body></html>`,
    );
  });

  it("goes before the first tag of a fragment, so it runs before the creative's own script", async () => {
    const out = await rewrite(
      '<script>marker()</script><a href="https://click.example/landing">x</a>',
    );
    assert.ok(out.startsWith(`${RUNTIME_TAG}<script>marker()</script>`), out);
    assert.equal(count(out, RUNTIME_TAG), 1);
  });

  it('goes before the element that opens an implicit body in a document without <body>', async () => {
    const out = await rewrite('<html><head><script>h()</script></head><div>x</div></html>');
    assert.equal(out, `<html><head><script>h()</script></head>${RUNTIME_TAG}<div>x</div></html>`);
  });

  it('goes at the end of markup without any tag', async () => {
    assert.equal(await rewrite('just text'), `just text${RUNTIME_TAG}`);
  });

  it('survives the sanitiser, and an empty runtimeTag injects nothing', async () => {
    const sanitized = await rewrite('<script>x()</script><p>ad</p>', { sanitize: true });
    assert.equal(count(sanitized, RUNTIME_TAG), 1, sanitized);
    assert.ok(!sanitized.includes('x()'), sanitized);
    assert.equal(await rewrite('<p>ad</p>', { runtimeTag: '' }), '<p>ad</p>');
  });
});

describe('streaming mode', () => {
  const creative =
    '<div class="ad"><a href="https://cdn.example/landing.html?x=1"><img src="https://cdn.example/a.png" srcset="//cdn.example/a.png 1x, /b.png 2x" style="border-image:url(\'https://cdn.example/asset.js?c=3&amp;b=2\')"></a><style>.x{background:url(https://cdn.example/a.png)}</style><base href="//evil.example/"><p>Café ✓</p></div>';

  async function streamed(chunks: Uint8Array[], overrides = {}): Promise<string> {
    const transform = creativeHtmlTransform(creativeOptions(overrides));
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    return new Response(source.pipeThrough(transform)).text();
  }

  for (const sanitize of [false, true]) {
    it(`gives the string mode's bytes for a split at every byte (sanitise: ${sanitize})`, async () => {
      const markup = sanitize ? `${creative}<script>x()</script><form><b>f</b></form>` : creative;
      const expected = await rewrite(markup, { sanitize });
      const bytes = new TextEncoder().encode(markup);
      for (let at = 0; at <= bytes.length; at++) {
        const out = await streamed([bytes.subarray(0, at), bytes.subarray(at)], { sanitize });
        assert.equal(out, expected, `split at ${at}`);
      }
    });
  }

  it('gives the same bytes fed one byte at a time, and through a platform engine', async () => {
    const expected = await rewrite(creative);
    const bytes = new TextEncoder().encode(creative);
    assert.equal(await streamed([...bytes].map((byte) => Uint8Array.of(byte))), expected);
    assert.equal(await streamed([bytes], { engine: builtinHtmlEngine }), expected);
    assert.equal(await rewrite(creative, { engine: builtinHtmlEngine }), expected);
  });

  it('an empty body stays empty', async () => {
    assert.equal(await streamed([]), '');
  });
});

describe('beyond upstream: other ways a creative reaches a third party', () => {
  it('<meta http-equiv=refresh> navigates through the proxy', async () => {
    const out = await rewrite(
      `<meta http-equiv="Refresh" content="0; url='https://cdn.example/a.png'"><meta http-equiv="refresh" content="5">`,
    );
    const [first, second] = attributeValues(out, 'meta', 'content');
    assert.equal(first, `0; url='${PROXY_A_PNG}'`);
    assert.equal(second, '5');
  });

  it('<a ping> beacons go first-party', async () => {
    const out = await rewrite('<a href="/x" ping="https://cdn.example/a.png /local">x</a>');
    assert.deepEqual(attributeValues(out, 'a', 'ping'), [`${PROXY_A_PNG} /local`]);
  });

  it('an SVG <script href> is proxied', async () => {
    const out = await rewrite('<svg><script href="https://cdn.example/a.png"></script></svg>');
    assert.deepEqual(attributeValues(out, 'script', 'href'), [PROXY_A_PNG]);
  });

  it('<iframe srcdoc> is rewritten as a creative of its own, runtime included', async () => {
    const out = await rewrite(
      `<iframe srcdoc="<img src=&quot;https://cdn.example/a.png&quot;><a href='https://cdn.example/landing.html?x=1'>x</a>"></iframe>`,
    );
    const [srcdoc] = attributeValues(out, 'iframe', 'srcdoc');
    assert.deepEqual(attributeValues(srcdoc as string, 'img', 'src'), [PROXY_A_PNG]);
    assert.deepEqual(attributeValues(srcdoc as string, 'a', 'href'), [CLICK_LANDING]);
    assert.ok((srcdoc as string).startsWith(RUNTIME_TAG), srcdoc);
  });

  it('srcdoc nested past three levels is dropped, not left unmediated', async () => {
    let markup = '<img src="https://cdn.example/a.png">';
    for (let level = 0; level < 5; level++)
      markup = `<iframe srcdoc="${markup.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"></iframe>`;
    const out = await rewrite(markup);
    let doc = out;
    let depth = 0;
    for (;;) {
      const [inner] = attributeValues(doc, 'iframe', 'srcdoc');
      if (inner === undefined) break;
      doc = inner;
      depth++;
    }
    assert.equal(depth, 3);
    assert.ok(!doc.includes('cdn.example'), doc);
  });

  it('a bidder cannot set data-tsclick itself', async () => {
    const out = await rewrite(
      '<a href="/local" data-tsclick="https://evil.example/">x</a><div data-tsclick="https://evil.example/">y</div><a href="https://cdn.example/landing.html?x=1" data-tsclick="https://evil.example/">z</a>',
    );
    const clicks = startTags(out).map((tag) => tag.attrs['data-tsclick']);
    assert.deepEqual(clicks.slice(-3), [undefined, undefined, CLICK_LANDING]);
  });
});

describe('a proxied document: relative URLs resolve against its own URL (baseUrl)', () => {
  const baseUrl = new URL('https://cdn.example/ads/300x250/index.html');

  it('relative, root-relative and protocol-relative URLs all go through the proxy', async () => {
    const out = await rewrite(
      '<img src="../../a.png"><img src="/a.png"><link rel=stylesheet href="style.css?c=3"><a href="../../landing.html?x=1">x</a><svg><use href="#icon"/></svg><a href="#top">t</a>',
      { baseUrl },
    );
    assert.deepEqual(attributeValues(out, 'img', 'src'), [PROXY_A_PNG, PROXY_A_PNG]);
    assert.deepEqual(attributeValues(out, 'a', 'href'), [CLICK_LANDING, '#top']);
    assert.deepEqual(attributeValues(out, 'use', 'href'), ['#icon']);
    const [css] = attributeValues(out, 'link', 'href');
    assert.ok(
      css?.includes('tsurl=https%3A%2F%2Fcdn.example%2Fads%2F300x250%2Fstyle.css&c=3'),
      css,
    );
  });

  it("the document's first <base href> is honoured before it is removed", async () => {
    const out = await rewrite(
      '<base href="https://cdn.example/"><base href="https://evil.example/"><img src="a.png">',
      { baseUrl },
    );
    assert.ok(!out.includes('<base'), out);
    assert.deepEqual(attributeValues(out, 'img', 'src'), [PROXY_A_PNG]);
  });

  it('excluded hosts stay direct, resolved', async () => {
    const out = await rewrite('<img src="a.png">', {
      baseUrl: new URL('https://static.excluded.example/ad/'),
      excludeDomains: ['*.excluded.example'],
    });
    assert.deepEqual(attributeValues(out, 'img', 'src'), ['a.png']);
  });

  it('in CSS, relative URLs resolve against the stylesheet', async () => {
    const css = '.a{background:url(../a.png)} .b{background:url(#svg-filter)}';
    const out = await rewriteCreativeCss(css, {
      signer,
      excludeDomains: [],
      baseUrl: new URL('https://cdn.example/css/site.css'),
    });
    assert.equal(out, `.a{background:url(${PROXY_A_PNG})} .b{background:url(#svg-filter)}`);
  });

  it('without baseUrl (auction adm) relative URLs are left as written', async () => {
    const out = await rewrite('<img src="a.png"><img src="/b.png">');
    assert.deepEqual(attributeValues(out, 'img', 'src'), ['a.png', '/b.png']);
  });
});

describe('wiring', () => {
  it('runtimeTag may be a promise (creativeRuntimeTag hashes the bundle), awaited where it goes', async () => {
    const out = await rewrite('<p>ad</p>', { runtimeTag: Promise.resolve(RUNTIME_TAG) });
    assert.equal(out, `${RUNTIME_TAG}<p>ad</p>`);
    assert.equal(await rewrite('<p>ad</p>', { runtimeTag: Promise.resolve('') }), '<p>ad</p>');
  });

  it("creativeRewriters gives the proxy route its rewriters, each on the creative's own URL", async () => {
    const rewriters = creativeRewriters(creativeOptions());
    const url = new URL('https://cdn.example/ads/index.html');
    const body = (
      new Response('<img src="../a.png">').body as ReadableStream<Uint8Array>
    ).pipeThrough(rewriters.htmlTransform({ url }));
    assert.equal(
      await new Response(body).text(),
      `${RUNTIME_TAG}<img src="${PROXY_A_PNG.replace(/&/g, '&amp;')}">`,
    );
    assert.equal(
      await rewriters.cssRewrite('a{b:url(a.png)}', { url: new URL('https://cdn.example/x.css') }),
      `a{b:url(${PROXY_A_PNG})}`,
    );
  });
});
