import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  openCreative,
  signedClick,
  startStandIn,
  type CreativePage,
  type StandIn,
} from './stand-in.ts';

describe('creative runtime: loaded twice, installs once', () => {
  let standIn: StandIn;
  let open: CreativePage | undefined;

  before(async () => {
    standIn = await startStandIn();
  });
  after(async () => {
    await open?.close();
    await standIn.close();
  });

  it('signs each dynamic URL once and re-signs each click edit once', async () => {
    const click = await signedClick('https://ads.example/landing?campaign=7');
    open = await openCreative(
      standIn,
      `<a id="ad" href="${click}" data-tsclick="${click}">Buy</a><img id="px">
       <script>
         document.getElementById('px').src = '${standIn.thirdParty}/once.gif';
         document.getElementById('ad').href = 'https://ads.example/landing?campaign=7&cb=1';
       </script>`,
      { tags: 2 },
    );
    const page = open;
    await eventually(
      () =>
        page.document.getElementById('px')?.getAttribute('src')?.includes('/first-party/proxy?'),
      'image signed',
    );
    await eventually(
      () =>
        page.document.getElementById('ad')?.getAttribute('href')?.includes('/first-party/click?'),
      'click re-signed',
    );
    await page.page.waitUntilComplete();
    const seen = await standIn.seen();
    const runtimeLoads = seen.filter((r) => r.url.includes('tsjs-creative.min.js'));
    assert.equal(runtimeLoads.length >= 1, true, 'the runtime was loaded');
    assert.equal(seen.filter((r) => r.url.includes('/first-party/sign')).length, 1);
    assert.equal(
      seen.filter((r) => r.method === 'POST' && r.url.includes('/first-party/proxy-rebuild'))
        .length,
      1,
    );
    const marker = Object.getOwnPropertyDescriptor(page.window, '__tsCreativeRuntime');
    assert.equal(marker?.writable, false, 'a creative cannot reset the install marker');
  });
});
