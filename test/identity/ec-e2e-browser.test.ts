/**
 * The Edge Cookie in a real browser (Debian's Chromium driven by playwright-core): a page loaded
 * through `serve` leaves `ts-ec` in the browser's cookie jar when consent allows it, none when
 * not, and a withdrawal removes it from the jar.
 *
 * The cookie is `Secure` with `Domain=.www.publisher.test`, which Chromium only stores from an
 * HTTPS page on that host. So: `serve --tls-cert --tls-key` with a self-signed certificate for
 * the host (made with the openssl CLI), `--host-resolver-rules` mapping `*.publisher.test` to
 * loopback, and a context that ignores the certificate error. Headless Chromium says
 * `HeadlessChrome` in its user agent, which the bot gate rightly refuses; the context sends the
 * same browser's desktop user agent instead, as a reader's Chromium would.
 *
 * Skipped, with the reason, where Chromium or openssl is missing (CI installs Chromium).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Cookie } from 'playwright-core';
import { encodeTc } from '../consent/helpers.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { makeSelfSignedCertificate } from '../helpers/self-signed.ts';
import { startServeProcess, type ServedProcess } from '../helpers/serve-process.ts';
import { ecServerToml, PUBLISHER_DOMAIN, scratchDir, stopServer } from './ec-e2e-fixtures.ts';

const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
const skip = chromiumMissing
  ? chromiumMissing
  : !hasOpenssl
    ? 'openssl not found (needed for the test certificate)'
    : false;
if (skip) console.log(`# skipping the browser Edge Cookie tests: ${skip}`);

const TC_CONSENT = encodeTc({ purposes: [1, 2, 3, 4] });
const TC_REFUSED = encodeTc({ purposes: [2, 3, 4] });
const YEAR_S = 365 * 24 * 60 * 60;

describe('Edge Cookie in Chromium', { skip }, () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let origin: TestOrigin;
  let browser: Browser;
  const servers: Record<string, ServedProcess> = {};

  before(async () => {
    scratch = await scratchDir();
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><head><title>Article</title></head><body>news</body></html>');
    });
    const { cert, key } = makeSelfSignedCertificate(scratch.dir, PUBLISHER_DOMAIN);
    const start = async (name: string, geo: string) => {
      const config = join(scratch.dir, `${name}.toml`);
      await writeFile(
        config,
        ecServerToml(origin.url, { geo, store: `path = "${join(scratch.dir, `${name}.db`)}"` }),
      );
      servers[name] = await startServeProcess([
        '--config',
        config,
        '--tls-cert',
        cert,
        '--tls-key',
        key,
      ]);
    };
    await Promise.all([
      start('canada', 'mode = "fixed"\ncountry = "CA"'),
      start('germany', 'mode = "fixed"\ncountry = "DE"'),
    ]);
    browser = await launchChromium([
      // The publisher's host name, on this machine: no DNS, no /etc/hosts edit.
      '--host-resolver-rules=MAP *.publisher.test 127.0.0.1',
    ]);
  });
  after(async () => {
    await browser?.close();
    await Promise.all(Object.values(servers).map(stopServer));
    await origin?.close();
    await scratch?.remove();
  });

  /** A fresh reader: an empty jar, the desktop user agent of this Chromium. */
  const reader = (): Promise<BrowserContext> =>
    browser.newContext({
      ignoreHTTPSErrors: true,
      userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Safari/537.36`,
    });
  /** `https://www.publisher.test:<port of that server>/article` */
  const articleOn = (name: string) =>
    `https://${PUBLISHER_DOMAIN}:${new URL((servers[name] as ServedProcess).url).port}/article`;
  const ecCookie = async (context: BrowserContext): Promise<Cookie | undefined> =>
    (await context.cookies()).find((cookie) => cookie.name === 'ts-ec');

  it('a page loaded where consent allows leaves ts-ec in the jar, as set', async () => {
    const context = await reader();
    try {
      const page = await context.newPage();
      const response = await page.goto(articleOn('canada'));
      assert.equal(response?.status(), 200);
      assert.equal(await page.title(), 'Article');
      const cookie = await ecCookie(context);
      assert.ok(cookie, 'ts-ec is in the jar');
      assert.match(cookie.value, /^[0-9a-f]{64}\.[A-Za-z0-9]{6}$/);
      assert.equal(cookie.domain, `.${PUBLISHER_DOMAIN}`);
      assert.equal(cookie.path, '/');
      assert.equal(cookie.secure, true);
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      const lifetime = cookie.expires - Date.now() / 1000;
      assert.ok(Math.abs(lifetime - YEAR_S) < 120, `expires in ${lifetime} s`);
      // Page scripts cannot read it (HttpOnly).
      assert.doesNotMatch(
        await page.evaluate(
          () => (globalThis as unknown as { document: { cookie: string } }).document.cookie,
        ),
        /ts-ec/,
      );

      // The browser sends it back: a reload keeps the same ID.
      await page.reload();
      assert.equal((await ecCookie(context))?.value, cookie.value);
    } finally {
      await context.close();
    }
  });

  it('no ts-ec where consent does not allow it; a later refusal removes it from the jar', async () => {
    const context = await reader();
    try {
      const page = await context.newPage();
      await page.goto(articleOn('germany'));
      assert.equal(await ecCookie(context), undefined, 'GDPR without a TC string');

      // The CMP's cookie, as a consent banner would have written it.
      const tc = (value: string) => ({
        name: 'euconsent-v2',
        value,
        domain: PUBLISHER_DOMAIN,
        path: '/',
        secure: true,
      });
      await context.addCookies([tc(TC_CONSENT)]);
      await page.goto(articleOn('germany'));
      assert.ok(await ecCookie(context), 'purpose 1 given: ts-ec is in the jar');

      await context.addCookies([tc(TC_REFUSED)]);
      await page.goto(articleOn('germany'));
      assert.equal(await ecCookie(context), undefined, 'the expiry removed it');
    } finally {
      await context.close();
    }
  });
});
