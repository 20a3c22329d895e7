/**
 * The case happy-dom can only simulate: a creative in a real sandboxed `srcdoc` iframe without
 * `allow-same-origin` (opaque origin, `Origin: null`, `location` = about:srcdoc), in Chromium.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { verifySignedUrl } from '../../src/core/first-party/verify-signed-url.ts';
import { creativeRuntimeTag } from '../../src/core/static/tsjs-route.ts';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { eventually, signedClick, signer, startStandIn, type StandIn } from './stand-in.ts';

const skip = chromiumMissing ?? false;
const LANDING = 'https://ads.example/landing?campaign=7';

describe('creative runtime in an opaque-origin iframe (Chromium)', { skip }, () => {
  let browser: Browser;
  let standIn: StandIn;

  before(async () => {
    browser = await launchChromium();
    standIn = await startStandIn();
  });
  after(async () => {
    await browser?.close();
    await standIn?.close();
  });

  it('signs a run-time image and sends an edited click through /first-party/click', async () => {
    const click = await signedClick(LANDING);
    const creative = `<!doctype html><html><head>${await creativeRuntimeTag()}</head><body>
      <a id="ad" href="${click}" data-tsclick="${click}">Buy</a><img id="px" alt="">
      <script>
        document.getElementById('px').src = '${standIn.thirdParty}/pixel.gif?imp=3';
        document.getElementById('ad').href = '${LANDING}&clickid=q9';
      </script></body></html>`;
    const srcdoc = creative.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    await standIn.page(
      '/slot.html',
      `<!doctype html><html><body><iframe id="slot" sandbox="allow-scripts allow-popups" srcdoc="${srcdoc}"></iframe></body></html>`,
    );
    const page = await browser.newPage();
    await page.goto(`${standIn.origin}/slot.html`);
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    assert.ok(frame);
    assert.equal(await frame.evaluate('window.origin'), 'null', 'the creative is opaque');

    const pixelSrc = "document.getElementById('px')?.getAttribute('src')";
    await frame.waitForFunction(`${pixelSrc}?.includes('/first-party/proxy?')`);
    const src = await frame.evaluate<string | null>(pixelSrc);
    const proxied = await verifySignedUrl(signer, new URL(src ?? ''), { now: Date.now() });
    assert.ok(proxied.ok && proxied.tsurl === `${standIn.thirdParty}/pixel.gif`, src ?? '');

    await frame.click('#ad');
    const landed = await eventually(async () => {
      const seen = await standIn.seen();
      return seen.find((r) => r.url.includes('/first-party/click?'));
    }, 'the click to reach /first-party/click');
    const check = await verifySignedUrl(signer, new URL(landed.url), { now: Date.now() });
    assert.ok(check.ok);
    assert.equal(check.target, `${LANDING}&clickid=q9`);

    const seen = await standIn.seen();
    assert.ok(
      seen.some((r) => r.url.includes('/first-party/proxy-rebuild?') && r.method === 'GET'),
    );
    assert.ok(!seen.some((r) => r.method === 'POST'), 'an opaque origin cannot read a POST answer');
    assert.ok(
      !seen.some((r) => r.url.startsWith(standIn.thirdParty)),
      'the reader never fetched the third party directly',
    );
    assert.ok(seen.some((r) => r.url.startsWith(`${standIn.origin}/first-party/proxy?`)));
    await page.close();
  });
});
