/**
 * Any website can have its own page served on the publisher's origin (`/first-party/sign` signs
 * any http(s) URL for anyone, CORS `*`), then send a reader to it. Every `/first-party/proxy`
 * answer is sandboxed, so such a page, HTML or SVG, runs in an opaque origin: its scripts run but
 * cannot read the publisher's cookies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testSettings } from '../helpers/settings.ts';

const PROBE =
  'window.__probe = { origin: self.origin, cookie: (() => { try { return document.cookie; } catch (e) { return "denied: " + e.name; } })() };';

describe('a hostile page proxied on the publisher origin', { skip: chromiumMissing }, () => {
  let host: TestOrigin;
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    host = await startOrigin((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/evil.html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<p>hi</p><script>${PROBE}</script>`);
      }
      if (path === '/evil.svg') {
        res.writeHead(200, { 'content-type': 'image/svg+xml' });
        return res.end(`<svg xmlns="http://www.w3.org/2000/svg"><script>${PROBE}</script></svg>`);
      }
      res.writeHead(404);
      res.end();
    });
    const toml = `[geo]\nmode = "fixed"\ncountry = "CA"\n[proxy]\nallow_private_targets = true\n`;
    server = await startTestServer(testSettings('http://127.0.0.1:9', toml));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await host?.close();
  });

  for (const path of ['/evil.html', '/evil.svg']) {
    it(`${path}: its script runs in an opaque origin, without the publisher's cookies`, async () => {
      const sign = await fetch(
        `${server.url}/first-party/sign?url=${encodeURIComponent(host.url + path)}`,
        { headers: { origin: 'https://evil.example' } },
      );
      assert.equal(sign.status, 200);
      const { href } = (await sign.json()) as { href: string };
      const context = await browser.newContext();
      try {
        await context.addCookies([{ name: 'pubsession', value: 'secret', url: server.url }]);
        const page = await context.newPage();
        const response = await page.goto(server.url + href);
        assert.match(response?.headers()['content-security-policy'] ?? '', /^sandbox /);
        const probe = await page.evaluate('window.__probe');
        assert.ok(probe, 'the script did not run');
        const { origin, cookie } = probe as { origin: string; cookie: string };
        assert.equal(origin, 'null');
        assert.doesNotMatch(cookie, /secret/);
      } finally {
        await context.close();
      }
    });
  }
});
