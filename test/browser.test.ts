/**
 * Real-browser checks (Debian's Chromium driven by playwright-core): the demo publisher page
 * renders through the proxy, and the tsjs bundle's command queue works in a page.
 * Skipped, with the reason printed, where Chromium is not installed (CI installs it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { startDemoOrigin, type DemoOrigin } from '../src/demo/origin-site.ts';
import { chromiumMissing, launchChromium } from './helpers/chromium.ts';
import { startOrigin, type TestOrigin } from './helpers/origin.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { testSettings } from './helpers/settings.ts';

const skip = chromiumMissing ?? false;
if (skip) console.log(`# skipping browser tests: ${skip}`);

describe('in a real browser', { skip }, () => {
  let browser: Browser;
  let demo: DemoOrigin;
  let demoProxy: TestServer;
  let pageOrigin: TestOrigin;
  let pageProxy: TestServer;

  before(async () => {
    browser = await launchChromium();
    demo = await startDemoOrigin();
    demoProxy = await startTestServer(testSettings(demo.url));
    pageOrigin = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!DOCTYPE html><html><head><title>queue</title>
<script>
  window.__tsjs_config = { logLevel: 'error', slot: 'top' };
  window.__order = [];
  window.tsjs = { que: [function () { window.__order.push('queued:' + this.version); }, 'not a function', function () { throw new Error('boom'); }, function (api) { window.__order.push('after-throw:' + (api === window.tsjs)); }] };
</script>
<script src="/static/tsjs=tsjs-unified.min.js"></script>
<script>
  tsjs.que.push(function () { window.__order.push('pushed-late'); });
  tsjs.setConfig({ debug: true });
</script></head><body>ok</body></html>`);
    });
    pageProxy = await startTestServer(testSettings(pageOrigin.url));
  });

  after(async () => {
    await browser?.close();
    await demoProxy?.close();
    await demo?.close();
    await pageProxy?.close();
    await pageOrigin?.close();
  });

  it('renders the demo article through the proxy (gzip from the origin, untouched)', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${demoProxy.url}/`);
    assert.equal(response?.status(), 200);
    assert.equal(await page.title(), 'City council approves new bike lanes — The Daily Demo');
    assert.equal(await page.locator('h1').textContent(), 'City council approves new bike lanes');
    assert.equal(response?.headers()['x-geo-info-available'], 'false');
    await page.close();
  });

  it('runs queued tsjs commands in order, survives bad entries, and reads injected config', async () => {
    const page = await browser.newPage();
    await page.goto(`${pageProxy.url}/article`);
    const state = await page.evaluate(() => {
      const win = globalThis as unknown as {
        __order: string[];
        tsjs: { version: string; getConfig(): Record<string, unknown> };
      };
      return { order: win.__order, version: win.tsjs.version, config: win.tsjs.getConfig() };
    });
    assert.deepEqual(state.order, ['queued:0.1.0', 'after-throw:true', 'pushed-late']);
    assert.equal(state.config['slot'], 'top');
    assert.equal(state.config['debug'], true);
    assert.equal(state.config['logLevel'], 'debug');
    await page.close();
  });
});
