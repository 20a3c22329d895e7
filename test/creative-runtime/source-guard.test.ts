import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifySignedUrl } from '../../src/core/first-party/verify-signed-url.ts';
import {
  eventually,
  openCreative,
  signer,
  startStandIn,
  type CreativePage,
  type StandIn,
} from './stand-in.ts';

interface Sourced {
  getAttribute(name: string): string | null;
  src: string;
}

describe('creative runtime: image and iframe guards', () => {
  let standIn: StandIn;
  let open: CreativePage | undefined;

  before(async () => {
    standIn = await startStandIn();
  });
  after(async () => {
    await open?.close();
    await standIn.close();
  });

  async function creative(body: string, options = {}): Promise<CreativePage> {
    await open?.close();
    open = await openCreative(standIn, body, options);
    return open;
  }

  function element(page: CreativePage, id: string): Sourced {
    const found = page.document.getElementById(id);
    assert.ok(found, `#${id} exists`);
    return found as unknown as Sourced;
  }

  /** The third-party URL a first-party proxy URL carries, verified like the real route. */
  async function proxiedTarget(value: string | null): Promise<string> {
    assert.ok(value, 'a URL was set');
    const url = new URL(value);
    assert.equal(url.origin, standIn.origin, `${value} must be first-party`);
    assert.equal(url.pathname, '/first-party/proxy');
    const check = await verifySignedUrl(signer, url, { now: Date.now() });
    assert.ok(check.ok, `proxy URL must verify: ${value}`);
    return check.tsurl;
  }

  const firstParty =
    (page: CreativePage, id: string, attr = 'src') =>
    () =>
      element(page, id).getAttribute(attr)?.includes('/first-party/proxy?') ? true : undefined;

  it('signs img.src, setAttribute and new Image() set at run time to third-party URLs', async () => {
    const page = await creative(
      `<img id="a"><img id="b">
       <script>
         document.getElementById('a').src = '${standIn.thirdParty}/pixel-a.gif?imp=1';
         document.getElementById('b').setAttribute('src', '${standIn.thirdParty}/pixel-b.gif');
         var c = new Image(); c.id = 'c'; c.src = '//localhost:${new URL(standIn.origin).port}/pixel-c.gif';
         document.body.appendChild(c);
       </script>`,
    );
    for (const id of ['a', 'b', 'c']) await eventually(firstParty(page, id), `#${id} signed`);
    assert.equal(
      await proxiedTarget(element(page, 'a').getAttribute('src')),
      `${standIn.thirdParty}/pixel-a.gif`,
    );
    assert.match(element(page, 'a').getAttribute('src') ?? '', /imp=1&tsexp=\d+&tstoken=/);
    assert.equal(
      await proxiedTarget(element(page, 'b').getAttribute('src')),
      `${standIn.thirdParty}/pixel-b.gif`,
    );
    assert.equal(
      await proxiedTarget(element(page, 'c').getAttribute('src')),
      `${standIn.thirdParty}/pixel-c.gif`,
    );
  });

  it('routes a dynamically set iframe through /first-party/proxy, never directly', async () => {
    const before = (await standIn.seen()).length;
    const page = await creative(
      `<iframe id="f"></iframe>
       <script>document.getElementById('f').src = '${standIn.thirdParty}/frame.html';</script>`,
    );
    await eventually(firstParty(page, 'f'), 'iframe signed');
    assert.equal(
      await proxiedTarget(element(page, 'f').getAttribute('src')),
      `${standIn.thirdParty}/frame.html`,
    );
    await page.page.waitUntilComplete();
    const seen = (await standIn.seen()).slice(before);
    assert.ok(seen.some((r) => r.url.startsWith(`${standIn.origin}/first-party/proxy?`)));
    assert.ok(
      !seen.some((r) => r.url.startsWith(standIn.thirdParty)),
      'the third party was never asked directly',
    );
  });

  it('signs the third-party candidates of a srcset and keeps the rest as written', async () => {
    const page = await creative(
      `<img id="s">
       <script>
         document.getElementById('s').srcset =
           '${standIn.thirdParty}/w1.png 1x, /local.png 2x, data:image/gif;base64,R0lGOD,lhAQ 3x';
       </script>`,
    );
    await eventually(firstParty(page, 's', 'srcset'), 'srcset signed');
    const parts = (element(page, 's').getAttribute('srcset') ?? '').split(', ');
    assert.equal(parts.length, 3);
    const [first, local, data] = parts;
    assert.match(first ?? '', / 1x$/);
    assert.equal(
      await proxiedTarget((first ?? '').replace(/ 1x$/, '')),
      `${standIn.thirdParty}/w1.png`,
    );
    assert.equal(local, '/local.png 2x');
    assert.equal(data, 'data:image/gif;base64,R0lGOD,lhAQ 3x');
  });

  it('leaves relative, data:, blob:, first-party and excluded-domain URLs untouched', async () => {
    const before = (await standIn.seen()).length;
    const page = await creative(
      `<img id="rel"><img id="data"><img id="blob"><img id="fp"><iframe id="ex"></iframe>
       <script>
         document.getElementById('rel').src = '/img/logo.png';
         document.getElementById('data').src = 'data:image/gif;base64,R0lGODlhAQ';
         document.getElementById('blob').setAttribute('src', 'blob:${standIn.origin}/1234');
         document.getElementById('fp').src = '${standIn.origin}/first-party/proxy?tsurl=x';
         document.getElementById('ex').src = '${standIn.thirdParty}/partner.html';
       </script>`,
      { directDomains: ['cdn.example', '*.localhost'] },
    );
    const expected: Record<string, string> = {
      rel: '/img/logo.png',
      data: 'data:image/gif;base64,R0lGODlhAQ',
      blob: `blob:${standIn.origin}/1234`,
      fp: `${standIn.origin}/first-party/proxy?tsurl=x`,
      ex: `${standIn.thirdParty}/partner.html`,
    };
    for (const [id, value] of Object.entries(expected)) {
      assert.equal(element(page, id).getAttribute('src'), value, id);
    }
    const seen = (await standIn.seen()).slice(before);
    assert.ok(!seen.some((r) => r.url.includes('/first-party/sign')), 'nothing was signed');
  });

  it('fails closed: a URL the server will not sign is not loaded at all, and error fires', async () => {
    const page = await creative(
      `<img id="r">
       <script>
         var img = document.getElementById('r');
         img.onerror = function () { window.imageFailed = true; };
         img.src = '${standIn.thirdParty}/refused/pixel.gif';
         window.readBack = img.src;
       </script>`,
    );
    const win = page.window as unknown as { imageFailed?: boolean; readBack?: string };
    await eventually(() => win.imageFailed, 'the error event');
    assert.equal(element(page, 'r').getAttribute('src'), null, 'no direct URL was applied');
    assert.equal(
      win.readBack,
      `${standIn.thirdParty}/refused/pixel.gif`,
      'a script reading back while signing sees its own value',
    );
  });

  it('re-points images that arrive through innerHTML', async () => {
    const page = await creative(
      `<div id="slot"></div>
       <script>
         document.getElementById('slot').innerHTML =
           '<img id="late" src="${standIn.thirdParty}/late.gif">';
       </script>`,
    );
    await eventually(firstParty(page, 'late'), 'late image signed');
    assert.equal(
      await proxiedTarget(element(page, 'late').getAttribute('src')),
      `${standIn.thirdParty}/late.gif`,
    );
  });

  it('in an opaque-origin iframe, signs with a credential-less GET', async () => {
    const before = (await standIn.seen()).length;
    const page = await creative(
      `<img id="o">
       <script>document.getElementById('o').src = '${standIn.thirdParty}/opaque.gif';</script>`,
      { opaque: true },
    );
    await eventually(firstParty(page, 'o'), 'image signed from an opaque origin');
    const signs = (await standIn.seen()).slice(before).filter((r) => r.url.includes('/sign'));
    assert.equal(signs.length, 1);
    assert.equal(signs[0]?.method, 'GET');
    assert.equal(signs[0]?.cookie, null);
  });
});
