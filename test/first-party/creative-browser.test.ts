/**
 * A rewritten creative in Chromium: its images (src, srcset, CSS background) load through
 * `/first-party/proxy` and its link goes through `/first-party/click`, and the creative's own host
 * is never contacted by the browser, only by the stand-in proxy. The publisher side here is a
 * small loopback server that verifies the signed URLs with verifySignedUrl and fetches the
 * target (the real routes are tested with the proxy itself); the creative host is a real HTTP
 * server on another loopback port.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { rewriteCreativeHtml } from '../../src/core/first-party/creative-rewrite.ts';
import { verifySignedUrl } from '../../src/core/first-party/verify-signed-url.ts';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { creativeOptions } from './creative-helpers.ts';
import { signer } from './helpers.ts';

/** A 1x1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PROXY_AGENT = 'creative-test-proxy';

describe('a rewritten creative in Chromium', { skip: chromiumMissing }, () => {
  let creativeHost: TestOrigin;
  let publisher: TestOrigin;
  let browser: Browser;
  let markup: string;

  before(async () => {
    creativeHost = await startOrigin((req, res) => {
      if (req.url?.startsWith('/img/')) {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(PNG);
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<title>landing</title>landed');
      }
    });
    const host = creativeHost.url;
    const creative = `<div id="ad" style="width:300px;height:250px;background:url('${host}/img/bg.png?x=1&amp;y=2')">
<a id="cta" href="${host}/landing?crid=7"><img id="hero" src="${host}/img/hero.png" srcset="${host}/img/hero.png 1x, ${host}/img/hero2.png 2x" width="300" height="200"></a>
<img id="pixel" src="//${host.slice('http://'.length)}/img/pixel.png" width="1" height="1">
</div>`;
    // Protocol-relative URLs resolve to https; the test host speaks http, so that one is
    // written out with http here by the stand-in proxy below.
    markup = await rewriteCreativeHtml(creative, creativeOptions());

    publisher = await startOrigin((req, res) => {
      const url = req.url ?? '/';
      void (async () => {
        if (url === '/creative') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(`<!doctype html><html><body>${markup}</body></html>`);
        }
        if (url.startsWith('/static/')) {
          res.writeHead(200, { 'content-type': 'text/javascript' });
          return res.end('window.tsCreativeRuntime = true;');
        }
        const check = await verifySignedUrl(signer, url, { now: Date.now() });
        if (!check.ok) {
          res.writeHead(403);
          return res.end(check.message);
        }
        const target = check.target.replace(/^https:\/\/127\.0\.0\.1:/, 'http://127.0.0.1:');
        if (url.startsWith('/first-party/click?')) {
          res.writeHead(302, { location: target, 'cache-control': 'no-store, private' });
          return res.end();
        }
        const upstream = await fetch(target, { headers: { 'user-agent': PROXY_AGENT } });
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
        });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      })();
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await publisher?.close();
    await creativeHost?.close();
  });

  it('loads every image through /first-party/proxy; the creative host sees only the proxy', async () => {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    await page.goto(`${publisher.url}/creative`, { waitUntil: 'load' });
    // Strings run in the page (this project compiles without DOM types).
    const images = await page.evaluate<Array<{ id: string; loaded: boolean; src: string }>>(
      `[...document.images].map((img) => ({ id: img.id, loaded: img.complete && img.naturalWidth > 0, src: img.currentSrc }))`,
    );
    assert.equal(images.length, 2);
    for (const image of images) {
      assert.ok(image.loaded, `${image.id} did not load: ${image.src}`);
      assert.ok(image.src.startsWith(`${publisher.url}/first-party/proxy?`), image.src);
    }
    const background = await page.evaluate<string>(
      `getComputedStyle(document.getElementById('ad')).backgroundImage`,
    );
    assert.ok(background.includes(`${publisher.url}/first-party/proxy?`), background);
    assert.equal(await page.evaluate(`'tsCreativeRuntime' in window`), true, 'runtime injected');

    const paths = creativeHost.seen.map((seen) => seen.url).sort();
    assert.deepEqual(paths, ['/img/bg.png?x=1&y=2', '/img/hero.png', '/img/pixel.png']);
    for (const seen of creativeHost.seen) assert.equal(seen.headers['user-agent'], PROXY_AGENT);
    await page.close();
  });

  it('a click goes through /first-party/click to the landing page', async () => {
    const page = await browser.newPage();
    await page.goto(`${publisher.url}/creative`, { waitUntil: 'load' });
    const href = await page.getAttribute('#cta', 'href');
    assert.ok(href?.startsWith('/first-party/click?'), String(href));
    assert.equal(await page.getAttribute('#cta', 'data-tsclick'), href);
    await Promise.all([page.waitForURL(`${creativeHost.url}/landing?crid=7`), page.click('#cta')]);
    assert.equal(await page.textContent('body'), 'landed');
    assert.ok(publisher.seen.some((seen) => seen.url.startsWith('/first-party/click?')));
    await page.close();
  });
});
