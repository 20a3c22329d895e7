/**
 * A proxied creative end to end: Chromium opens a signed `/first-party/proxy` URL on the real
 * Node server, which fetches the creative's HTML from a loopback host (`allow_private_targets`)
 * and streams it through the creative rewriter. Every resource the page then loads (images by
 * absolute, relative and srcset URL, a stylesheet and the images it names, the runtime) comes
 * from the publisher's origin, never from the creative's host; the link goes through
 * `/first-party/click` to the landing page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { signTarget } from '../../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../../src/core/first-party/token.ts';
import { Secret } from '../../src/core/settings/secret.ts';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SECRET_PROXY, testSettings } from '../helpers/settings.ts';

const signer = createProxyTokenSigner(new Secret(SECRET_PROXY));
/** A 1x1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe(
  'a proxied creative in Chromium, through the real server',
  { skip: chromiumMissing },
  () => {
    let host: TestOrigin;
    let server: TestServer;
    let browser: Browser;

    before(async () => {
      host = await startOrigin((req, res) => {
        const path = (req.url ?? '').split('?')[0] ?? '';
        if (path.startsWith('/ads/img/') || path.startsWith('/img/')) {
          res.writeHead(200, { 'content-type': 'image/png' });
          return res.end(PNG);
        }
        if (path === '/ads/style.css') {
          res.writeHead(200, { 'content-type': 'text/css' });
          return res.end('#ad{background:url(img/bg.png?v=2)}');
        }
        if (path === '/ads/index.html') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(`<!doctype html><html><head><link rel="stylesheet" href="style.css"></head>
<body><div id="ad" style="width:300px;height:250px">
<a id="cta" href="${host.url}/landing?crid=7"><img id="hero" src="img/hero.png" srcset="img/hero.png 1x, img/hero2.png 2x" width="300" height="200"></a>
<img id="pixel" src="${host.url}/img/pixel.png?cb=1" width="1" height="1">
</div></body></html>`);
        }
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<title>landing</title>landed');
      });
      const toml = `[geo]\nmode = "fixed"\ncountry = "CA"\n[proxy]\nallow_private_targets = true\nallowed_domains = ["127.0.0.1"]\n`;
      server = await startTestServer(testSettings('http://127.0.0.1:9', toml));
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      await server?.close();
      await host?.close();
    });

    it('every resource comes from the publisher, the click goes through /first-party/click', async () => {
      const signed = await signTarget(signer, `${host.url}/ads/index.html`);
      assert.ok(signed);
      const page = await browser.newPage({ deviceScaleFactor: 1 });
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(server.url + signed.href, { waitUntil: 'load' });

      const images = await page.evaluate<Array<{ id: string; loaded: boolean; src: string }>>(
        `[...document.images].map((img) => ({ id: img.id, loaded: img.complete && img.naturalWidth > 0, src: img.currentSrc }))`,
      );
      assert.equal(images.length, 2);
      for (const image of images) assert.ok(image.loaded, `${image.id} did not load: ${image.src}`);
      const background = await page.evaluate<string>(
        `getComputedStyle(document.getElementById('ad')).backgroundImage`,
      );
      assert.ok(background.startsWith(`url("${server.url}/first-party/proxy?`), background);
      assert.equal(
        await page.evaluate(`document.querySelectorAll('script[src*="tsjs-creative"]').length`),
        1,
      );

      for (const url of requested)
        assert.ok(url.startsWith(server.url), `the browser asked ${url}`);
      const fetched = host.seen.map((seen) => seen.url).sort();
      assert.deepEqual(fetched, [
        '/ads/img/bg.png?v=2',
        '/ads/img/hero.png',
        '/ads/index.html',
        '/ads/style.css',
        '/img/pixel.png?cb=1',
      ]);

      const href = await page.getAttribute('#cta', 'href');
      assert.ok(href?.startsWith('/first-party/click?'), String(href));
      await Promise.all([page.waitForURL(`${host.url}/landing?crid=7`), page.click('#cta')]);
      assert.ok(requested.some((url) => url.startsWith(`${server.url}/first-party/click?`)));
      assert.equal(await page.textContent('body'), 'landed');
      await page.close();
    });
  },
);
