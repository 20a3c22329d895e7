/** The runtime's pure URL rules, without a DOM: what is signed, what is left, how edits diff. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isEmptyEdit,
  isRebuildOf,
  paramEdit,
  readAnyClick,
  readSignedClick,
  rebuildNavigationUrl,
} from '../../client/src/creative/click-url.ts';
import { parseSrcset, serializeSrcset, urlToSign } from '../../client/src/creative/resource-url.ts';

const ORIGIN = 'https://publisher.example';

describe('creative runtime URL rules', () => {
  it('leaves exclude_domains hosts direct by the server’s rule (upstream vectors)', () => {
    const patterns = ['cdn.example.com', '*.example2.com'];
    for (const host of [
      'cdn.example.com',
      'example2.com',
      'cdnjs.example2.com',
      'sub.domain.example2.com',
      // As on the server: DNS reads a trailing dot and any case as the same name.
      'cdn.example.com.',
      'CDN.Example2.com',
    ]) {
      assert.equal(urlToSign(`https://${host}/x.png`, ORIGIN, patterns), undefined, host);
    }
    for (const host of [
      'other.example.com',
      'sub.cdn.example.com',
      'example2.com.fake.com',
      'notexample.com',
    ]) {
      assert.equal(urlToSign(`https://${host}/x.png`, ORIGIN, patterns), `https://${host}/x.png`);
    }
  });

  it('signs only absolute third-party http(s) URLs', () => {
    const sign = (raw: string) => urlToSign(raw, ORIGIN, ['*.direct.example']);
    assert.equal(sign('https://ads.example/p.gif?x=1#f'), 'https://ads.example/p.gif?x=1#f');
    assert.equal(sign('//ads.example/p.gif'), 'https://ads.example/p.gif');
    assert.equal(sign('HTTP://ADS.example/p.gif'), 'http://ads.example/p.gif');
    for (const left of [
      '',
      '/local.png',
      'local.png',
      '?q=1',
      'data:image/gif;base64,R0lGOD',
      'blob:https://publisher.example/1',
      'about:blank',
      'javascript:alert(1)',
      `${ORIGIN}/first-party/proxy?tsurl=x`,
      'https://cdn.direct.example/a.js',
      'ftp://ads.example/file',
    ]) {
      assert.equal(sign(left), undefined, left);
    }
  });

  it('resolves as the browser does: backslashes and tabs can spell another host', () => {
    const base = `${ORIGIN}/first-party/proxy?tsurl=x`;
    const sign = (raw: string) => urlToSign(raw, ORIGIN, [], base);
    for (const raw of [
      '\\\\evil.example/x.png',
      '/\\evil.example/x.png',
      '/\t/evil.example/x.png',
    ]) {
      assert.equal(sign(raw), 'https://evil.example/x.png', JSON.stringify(raw));
    }
    // Relative URLs resolve against the document's base: another origin's base means another host.
    assert.equal(sign('img/a.png'), undefined);
    assert.equal(
      urlToSign('img/a.png', ORIGIN, [], 'https://ads.example/c/'),
      'https://ads.example/c/img/a.png',
    );
  });

  it('splits srcset without breaking data: URLs and writes it back', () => {
    const candidates = parseSrcset(' a.png 1x,b.png, data:image/png;base64,AA,BB 2x ,c.png 300w');
    assert.deepEqual(candidates, [
      { url: 'a.png', descriptor: '1x' },
      { url: 'b.png', descriptor: '' },
      { url: 'data:image/png;base64,AA,BB', descriptor: '2x' },
      { url: 'c.png', descriptor: '300w' },
    ]);
    assert.equal(
      serializeSrcset(candidates),
      'a.png 1x, b.png, data:image/png;base64,AA,BB 2x, c.png 300w',
    );
  });

  it('diffs a click edit into the add/del the server applies (del first, then add)', () => {
    const signed = `/first-party/click?tsurl=${encodeURIComponent('https://ads.example/c')}&a=1&b=2&tstoken=t`;
    const original = readSignedClick(signed, ORIGIN);
    assert.ok(original);
    const edited = readAnyClick('http://ads.example/c?a=1&b=3&cb=9', ORIGIN);
    assert.ok(edited);
    const edit = paramEdit(original, edited);
    assert.deepEqual(edit, { add: { b: '3', cb: '9' }, del: ['b'] });
    // Editing the first-party URL itself counts the same way.
    const appended = readAnyClick(`${ORIGIN}${signed}&cb=9`, ORIGIN);
    assert.deepEqual(paramEdit(original, appended!), { add: { cb: '9' }, del: [] });
    // Another host or path is another ad: no edit, the signed click stands.
    assert.equal(
      paramEdit(original, readAnyClick('https://evil.example/c?a=1', ORIGIN)!),
      undefined,
    );
    assert.equal(
      paramEdit(original, readAnyClick('https://ads.example/d?a=1', ORIGIN)!),
      undefined,
    );
    assert.equal(isEmptyEdit(paramEdit(original, readAnyClick(signed, ORIGIN)!)!), true);
    // A signed click on another origin is not ours.
    assert.equal(readSignedClick(`https://elsewhere.example${signed}`, ORIGIN), undefined);

    const navigation = rebuildNavigationUrl(ORIGIN, signed, edit);
    assert.equal(isRebuildOf(navigation, ORIGIN, signed), true);
    const query = new URL(navigation).searchParams;
    assert.equal(query.get('tsclick'), signed);
    assert.deepEqual(JSON.parse(query.get('add') ?? ''), { b: '3', cb: '9' });
    assert.deepEqual(JSON.parse(query.get('del') ?? ''), ['b']);
  });
});
