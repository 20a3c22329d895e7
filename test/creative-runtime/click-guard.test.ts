import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifySignedUrl } from '../../src/core/first-party/verify-signed-url.ts';
import {
  eventually,
  openCreative,
  signedClick,
  signer,
  startStandIn,
  type CreativePage,
  type StandIn,
} from './stand-in.ts';

const LANDING = 'https://ads.example/landing?campaign=7';

/** The destination a navigation to `/first-party/click` carries, checked like the real route. */
async function verifiedDestination(url: string): Promise<string> {
  const check = await verifySignedUrl(signer, new URL(url), { now: Date.now() });
  assert.ok(check.ok, `click URL must verify: ${url}`);
  return check.target;
}

describe('creative runtime: click guard', () => {
  let standIn: StandIn;
  let open: CreativePage | undefined;

  before(async () => {
    standIn = await startStandIn();
  });
  after(async () => {
    await open?.close();
    await standIn.close();
  });

  async function clickAndLand(creative: CreativePage, selector: string): Promise<string> {
    const anchor = creative.document.querySelector(selector) as unknown as { click(): void };
    anchor.click();
    return eventually(() => {
      const url = creative.page.mainFrame.url;
      return url.includes('/first-party/click?') ? url : undefined;
    }, 'navigation to /first-party/click');
  }

  it('re-signs a click macro that edits href before the click (POST proxy-rebuild)', async () => {
    const click = await signedClick(LANDING);
    open = await openCreative(
      standIn,
      `<a id="ad" href="${click}" data-tsclick="${click}">Buy</a>
       <script>document.getElementById('ad').href = '${LANDING}&clickid=abc';</script>`,
    );
    const anchor = open.document.getElementById('ad')!;
    await eventually(
      () => anchor.getAttribute('href')?.includes('/first-party/click?'),
      'the re-signed click in href',
    );
    const landed = await clickAndLand(open, '#ad');
    assert.equal(await verifiedDestination(landed), `${LANDING}&clickid=abc`);
    const seen = await standIn.seen();
    const rebuild = seen.find((r) => r.method === 'POST' && r.url.includes('proxy-rebuild'));
    assert.ok(rebuild, 'the edit was re-signed by POST');
    assert.deepEqual((JSON.parse(rebuild.body) as { add: unknown }).add, { clickid: 'abc' });
    assert.ok(!seen.some((r) => r.url.startsWith('https://ads.example')));
    await open.close();
    open = undefined;
  });

  it('fixes an href a click handler edits during the click itself (GET rebuild, 302)', async () => {
    const click = await signedClick(LANDING);
    open = await openCreative(
      standIn,
      `<a id="ad" href="${click}" data-tsclick="${click}"
          onclick="this.href = '${LANDING}&cb=' + 42">Buy</a>`,
    );
    const landed = await clickAndLand(open, '#ad');
    assert.equal(await verifiedDestination(landed), `${LANDING}&cb=42`);
    const seen = await standIn.seen();
    assert.ok(
      seen.some((r) => r.method === 'GET' && r.url.includes('/first-party/proxy-rebuild?')),
      'the click navigated through the GET rebuild',
    );
    await open.close();
    open = undefined;
  });

  it('in an opaque-origin iframe, navigates the GET rebuild without any fetch', async () => {
    const before = (await standIn.seen()).length;
    const click = await signedClick(LANDING);
    open = await openCreative(
      standIn,
      `<a id="ad" href="${click}" data-tsclick="${click}" target="_self">Buy</a>
       <script>document.getElementById('ad').href = '${LANDING}&clickid=xyz';</script>`,
      { opaque: true },
    );
    const anchor = open.document.getElementById('ad')!;
    assert.match(anchor.getAttribute('href') ?? '', /\/first-party\/proxy-rebuild\?tsclick=/);
    const landed = await clickAndLand(open, '#ad');
    assert.equal(await verifiedDestination(landed), `${LANDING}&clickid=xyz`);
    const seen = (await standIn.seen()).slice(before);
    assert.ok(!seen.some((r) => r.method === 'POST'), 'no POST from an opaque origin');
    await open.close();
    open = undefined;
  });

  it('keeps the signed click when a script points the link somewhere else', async () => {
    const click = await signedClick(LANDING);
    open = await openCreative(
      standIn,
      `<a id="ad" href="${click}" data-tsclick="${click}">Buy</a>
       <script>
         var a = document.getElementById('ad');
         a.href = 'https://evil.example/phish?campaign=7';
       </script>`,
    );
    const landed = await clickAndLand(open, '#ad');
    assert.equal(await verifiedDestination(landed), LANDING);
    await open.close();
    open = undefined;
  });

  it('never lets a guarded link navigate to javascript:', async () => {
    const click = await signedClick(LANDING);
    open = await openCreative(
      standIn,
      `<a id="ad" href="${click}" data-tsclick="${click}">Buy</a>
       <script>document.getElementById('ad').setAttribute('href', 'javascript:window.pwned=1');</script>`,
    );
    const landed = await clickAndLand(open, '#ad');
    assert.equal(await verifiedDestination(landed), LANDING);
    assert.equal((open.window as unknown as { pwned?: number }).pwned, undefined);
    await open.close();
    open = undefined;
  });

  it('leaves links without data-tsclick alone (excluded domains, relative links)', async () => {
    open = await openCreative(
      standIn,
      `<a id="rel" href="/article">Read</a>
       <a id="direct" href="${standIn.thirdParty}/excluded">Partner</a>
       <script>document.getElementById('rel').href = '/article?ref=ad';</script>`,
    );
    const document = open.document;
    assert.equal(document.getElementById('rel')!.getAttribute('href'), '/article?ref=ad');
    assert.equal(
      document.getElementById('direct')!.getAttribute('href'),
      `${standIn.thirdParty}/excluded`,
    );
    (document.getElementById('rel') as unknown as { click(): void }).click();
    await eventually(
      () => open!.page.mainFrame.url === `${standIn.origin}/article?ref=ad`,
      'the relative link to navigate as written',
    );
    await open.close();
    open = undefined;
  });
});
