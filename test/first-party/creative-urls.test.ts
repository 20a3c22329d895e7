/**
 * Which creative URLs are proxied (upstream's `to_abs` and `is_excluded` cases, spec §5.2–§5.3),
 * srcset splitting (§5.4), URL values read as the browser reads them, and the CSS URL scanner.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isExcludedUrl } from '../../src/core/first-party/domain-patterns.ts';
import {
  rewriteSrcset,
  splitSrcsetCandidates,
  toAbsoluteNetworkUrl,
} from '../../src/core/first-party/creative-urls.ts';
import {
  decodeAttributeValue,
  encodeAttributeValue,
} from '../../src/core/first-party/creative-rewrite-attributes.ts';
import { rewriteCssUrls, unescapeCss } from '../../src/core/first-party/css-urls.ts';

describe('toAbsoluteNetworkUrl (upstream to_abs)', () => {
  const cases: Array<[input: string, expected: string | undefined]> = [
    // to_abs_conversions
    ['//cdn.example/x', 'https://cdn.example/x'],
    ['HTTPS://cdn.example/x', 'HTTPS://cdn.example/x'],
    ['http://cdn.example/x', 'http://cdn.example/x'],
    ['/local/x', undefined],
    ['   //cdn.example/y  ', 'https://cdn.example/y'],
    ['data:image/png;base64,abcd', undefined],
    ['javascript:alert(1)', undefined],
    ['mailto:test@example.com', undefined],
    // to_abs_preserves_port_in_protocol_relative
    ['//cdn.example.com:8080/asset.js', 'https://cdn.example.com:8080/asset.js'],
    ['//cdn.example.com:9443/img.png', 'https://cdn.example.com:9443/img.png'],
    // to_abs_additional_cases
    ['   https://cdn.example/a   ', 'https://cdn.example/a'],
    ['blob:xyz', undefined],
    ['tel:+123', undefined],
    ['about:blank', undefined],
    ['', undefined],
    ['   ', undefined],
    ['local/b.png', undefined],
    ['../rel.svg', undefined],
    ['ftp://cdn.example/x', undefined],
    ['https://', undefined],
    // Beyond upstream: forms a browser reads as network URLs though no prefix test sees them.
    ['\\\\evil.example/x.png', 'https://evil.example/x.png'],
    ['/\\evil.example/x.png', 'https://evil.example/x.png'],
    ['/\t/evil.example/x.png', 'https://evil.example/x.png'],
    ['ht\ntps://evil.example/x', 'https://evil.example/x'],
    ['\x01//evil.example/x', 'https://evil.example/x'],
    ['https:\\\\evil.example/x', 'https://evil.example/x'],
    ['java\tscript:alert(1)', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () => {
      assert.equal(toAbsoluteNetworkUrl(input, []), expected);
    });
  }

  it('excluded domains stay direct, protocol-relative ones too (HEAD fix of the §5.2 quirk)', () => {
    const exact = ['trusted-cdn.example.com'];
    assert.equal(toAbsoluteNetworkUrl('https://trusted-cdn.example.com/lib.js', exact), undefined);
    assert.equal(toAbsoluteNetworkUrl('//trusted-cdn.example.com/lib.js', exact), undefined);
    assert.equal(
      toAbsoluteNetworkUrl('//other-cdn.example.com/lib.js', exact),
      'https://other-cdn.example.com/lib.js',
    );
    const wildcard = ['*.cloudflare.com'];
    assert.equal(toAbsoluteNetworkUrl('https://cloudflare.com/cdn.js', wildcard), undefined);
    assert.equal(toAbsoluteNetworkUrl('//cdnjs.cloudflare.com/lib.js', wildcard), undefined);
    assert.equal(
      toAbsoluteNetworkUrl('https://notcloudflare.com/lib.js', wildcard),
      'https://notcloudflare.com/lib.js',
    );
  });
});

describe('exclude_domains matching (upstream is_excluded)', () => {
  const patterns = ['cdn.example.com', '*.example2.com'];
  const excluded = [
    'http://cdn.example.com/image.png',
    'https://example2.com/cdn.js',
    'https://cdnjs.example2.com/lib.js',
    'https://sub.domain.example2.com/asset.js',
    'https://cdn.example.com:8443/port-ignored.js',
  ];
  const kept = [
    'https://other.example.com/x',
    'https://sub.cdn.example.com/x',
    'https://example2.com.fake.com/x',
    'https://notexample.com/x',
    'https://evil-example2.com/x',
    'not a url',
    '',
  ];
  for (const url of excluded) it(`excludes ${url}`, () => assert.ok(isExcludedUrl(url, patterns)));
  for (const url of kept)
    it(`keeps ${JSON.stringify(url)}`, () => assert.ok(!isExcludedUrl(url, patterns)));

  it('patterns match case-insensitively (upstream compared them as written)', () => {
    assert.ok(isExcludedUrl('https://cdn.example.com/x', ['CDN.Example.com']));
  });
});

describe('srcset', () => {
  it('splits on commas with or without a following space', () => {
    const items = splitSrcsetCandidates(
      'https://cdn.example/a.png 1x,//cdn.example/b.png 2x,/local/c.png 1x',
    );
    assert.deepEqual(items, [
      'https://cdn.example/a.png 1x',
      '//cdn.example/b.png 2x',
      '/local/c.png 1x',
    ]);
  });

  it('keeps the comma of a leading data: URL', () => {
    const items = splitSrcsetCandidates('data:image/png;base64,AAAA 1x,//cdn.example/b.png 2x');
    assert.deepEqual(
      items.map((item) => item.trim()),
      ['data:image/png;base64,AAAA 1x', '//cdn.example/b.png 2x'],
    );
  });

  it('normalises spacing, keeps descriptors and relative candidates', async () => {
    const out = await rewriteSrcset(
      '  https://cdn.example/a.png    1x  ,  //cdn.example/b.png   2x ,   /local/c.png   1x  ',
      (url) => Promise.resolve(url.startsWith('/local') ? undefined : `P(${url})`),
    );
    assert.equal(
      out,
      'P(https://cdn.example/a.png) 1x, P(//cdn.example/b.png) 2x, /local/c.png 1x',
    );
  });

  it('a srcset with nothing to rewrite comes back as written', async () => {
    const srcset = '/a.png 1x ,  /b.png 2x';
    assert.equal(await rewriteSrcset(srcset, () => Promise.resolve(undefined)), srcset);
  });
});

describe('attribute values as the browser reads them', () => {
  const cases: Array<[raw: string, decoded: string]> = [
    ['https://a.example/x?a=1&amp;b=2', 'https://a.example/x?a=1&b=2'],
    ['https&colon;//evil.example/x', 'https://evil.example/x'],
    ['&sol;&sol;evil&period;example/x', '//evil.example/x'],
    ['&#47;&#x2F;evil.example', '//evil.example'],
    ['java&Tab;script:alert(1)', 'java\tscript:alert(1)'],
    ['?a=1&amp=2', '?a=1&amp=2'],
    ['?a=1&ampx', '?a=1&ampx'],
    ['?a=1&amp.x', '?a=1&.x'],
    ['&copy;', '&copy;'],
    ['&#0;&#xD800;&#x110000;', '\ufffd\ufffd\ufffd'],
    ['&#x80;', '\u20ac'],
  ];
  for (const [raw, decoded] of cases) {
    it(`${raw} → ${JSON.stringify(decoded)}`, () =>
      assert.equal(decodeAttributeValue(raw), decoded));
  }

  it('encodes & for writing back', () => {
    assert.equal(encodeAttributeValue('/p?a=1&not.x=2'), '/p?a=1&amp;not.x=2');
  });
});

describe('CSS URLs', () => {
  const mark = (url: string) =>
    Promise.resolve(toAbsoluteNetworkUrl(url, []) === undefined ? undefined : `P[${url}]`);
  const cases: Array<[css: string, expected: string]> = [
    [
      'a{background:url(https://cdn.example/a.png)}',
      'a{background:url(P[https://cdn.example/a.png])}',
    ],
    ["b{mask:url('//cdn.example/m.svg')}", "b{mask:url('P[//cdn.example/m.svg]')}"],
    ['c{x:url("https://cdn.example/q.png")}', 'c{x:url("P[https://cdn.example/q.png]")}'],
    ['d{x:url( //cdn.example/mask.svg )}', 'd{x:url(P[//cdn.example/mask.svg])}'],
    // Relative values keep their bytes, whitespace and quotes included.
    ['e{x:url( /local/border.png )}', 'e{x:url( /local/border.png )}'],
    ["f{x:url( '../rel.svg' )}", "f{x:url( '../rel.svg' )}"],
    // A quoted value runs to its closing quote: upstream cut it at the first `)`.
    ['g{x:url("https://cdn.example/a).png")}', 'g{x:url("P[https://cdn.example/a).png]")}'],
    ["h{x:url('https://cdn.example/it\\'s.png')}", "h{x:url('P[https://cdn.example/it's.png]')}"],
    // Escapes are decoded before judging: this is //evil.example/x to the browser.
    ['i{x:url(\\2f\\2f evil.example/x)}', 'i{x:url(P[//evil.example/x])}'],
    ['@import "https://cdn.example/a.css";', '@import "P[https://cdn.example/a.css]";'],
    [
      "@IMPORT 'https://cdn.example/b.css' screen;",
      "@IMPORT 'P[https://cdn.example/b.css]' screen;",
    ],
    ['@import url(https://cdn.example/c.css);', '@import url(P[https://cdn.example/c.css]);'],
    [
      'j{x:image-set("https://cdn.example/1.png" 1x, "/two.png" 2x)}',
      'j{x:image-set("P[https://cdn.example/1.png]" 1x, "/two.png" 2x)}',
    ],
    ['k{x:URL(https://cdn.example/u.png)}', 'k{x:URL(P[https://cdn.example/u.png])}'],
    // Not a url() function: a longer identifier ending in "url(".
    ['l{x:myurl(https://cdn.example/n.png)}', 'l{x:myurl(https://cdn.example/n.png)}'],
    // Names spelt with escapes are the same names to the browser: written back plainly, found.
    ['n{x:\\75 rl(https://cdn.example/e.png)}', 'n{x:url(P[https://cdn.example/e.png])}'],
    ['o{x:u\\rl("https://cdn.example/f.png")}', 'o{x:url("P[https://cdn.example/f.png]")}'],
    ['@\\69mport "https://cdn.example/g.css";', '@import "P[https://cdn.example/g.css]";'],
    [
      'p{x:-webkit-image-s\\65t("https://cdn.example/h.png" 1x)}',
      'p{x:-webkit-image-set("P[https://cdn.example/h.png]" 1x)}',
    ],
    // Other escapes, and an escaped `@` (a name, not an at-rule), stay byte for byte.
    ['q{content:"\\2014"} \\40 import "x"', 'q{content:"\\2014"} \\40 import "x"'],
    ['r{x:my\\75 rl(https://cdn.example/n.png)}', 'r{x:my\\75 rl(https://cdn.example/n.png)}'],
    // Unterminated: left alone (the browser fetches nothing).
    ['m{x:url(https://cdn.example/open.png', 'm{x:url(https://cdn.example/open.png'],
  ];
  for (const [css, expected] of cases) {
    it(css, async () => assert.equal(await rewriteCssUrls(css, mark), expected));
  }

  it('unescapes CSS escapes', () => {
    assert.equal(unescapeCss('\\2f\\2F x\\)y\\\nz'), '//x)yz');
  });
});
