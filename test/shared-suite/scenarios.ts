/**
 * The behavioural suite, written once against a base URL and registered per runtime: publisher
 * proxy (HTML, CSS/JS/JSON rewriting, compression, passthrough, errors, headers), the tsjs static
 * route, health. Assertions read what a client sees; nothing here knows which runtime answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HtmlRewriter } from '../../src/core/html/index.ts';
import type { TestOrigin } from '../helpers/origin.ts';
import { rawRequest, statusOf } from '../helpers/raw-http.ts';
import { get } from './client.ts';
import { FIXTURE, IMAGE, ORIGIN, page, startSuiteOrigin } from './origin.ts';
import { SUITE_MAX_RESPONSE_MS, type Target } from './targets.ts';

/** Every attribute value of the page, read with the project's tokenizer (engine-neutral). */
function attributes(html: Buffer): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  const rewriter = new HtmlRewriter({ output: () => {} });
  rewriter.on('*', {
    element: (el) => void found.push(...el.attributes.map((a) => [...a] as [string, string])),
  });
  void rewriter.write(html);
  void rewriter.end();
  return found;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

/** What a runtime declares it cannot do; the suite skips those cases, saying why. */
export interface Limits {
  /**
   * Why `proxy.max_response_ms` cannot cut off a body that passes through untouched (the
   * runtime streams it natively, out of the Worker's reach), if it cannot.
   */
  passthroughDeadline?: string;
}

export function sharedSuite(
  name: string,
  start: (originAddress: string) => Promise<Target>,
  limits: Limits = {},
) {
  describe(`shared suite: ${name}`, () => {
    let origin: TestOrigin;
    let target: Target;
    let self = '';
    before(async () => {
      origin = await startSuiteOrigin();
      target = await start(origin.url.replace('http://', ''));
      self = target.url;
    });
    after(async () => {
      await target?.close();
      await origin?.close();
    });

    it('answers /health before anything else', async () => {
      const got = await get(`${self}/health`);
      assert.equal(got.status, 200);
      assert.equal(got.body.toString(), 'ok');
    });

    it('rewrites origin URLs in every URL-bearing place of a page, and only at host boundaries', async () => {
      const got = await get(`${self}/page`);
      assert.equal(got.status, 200);
      const html = got.body.toString();
      const values = new Map(attributes(got.body));
      assert.equal(values.get('content'), `${self}/story`);
      assert.equal(values.get('imagesrcset'), `${self}/a.png 1x, ${self}/b.png 2x`);
      assert.equal(values.get('style'), `background:url('${self}/x.png')`);
      assert.equal(values.get('srcset'), `${self}/i2.jpg 2x`);
      assert.equal(values.get('action'), `${self}/post`);
      assert.equal(values.get('formaction'), `${self}/alt`);
      assert.equal(values.get('poster'), `${self}/p.jpg`);
      assert.ok(html.includes(`<style>body{background:url(${self}/bg.png)}</style>`), html);
      assert.ok(html.includes(`{"url":"${self.replace(/\//g, '\\/')}\\/story"}`), html);
      const hrefs = attributes(got.body)
        .filter(([key]) => key === 'href')
        .map(([, value]) => value);
      assert.deepEqual(hrefs, [`${self}/a`, 'https://evil.test/?r=x', `${ORIGIN}.evil.net/x`]);
      // Nothing else still points at the origin.
      assert.equal(count(html, ORIGIN), 1);
    });

    it('injects the tsjs bundle once, at the start of the first <head>', async () => {
      const html = (await get(`${self}/page`)).body.toString();
      assert.equal(count(html, 'id="trustedserver-js"'), 1);
      assert.match(
        html,
        /^<!DOCTYPE html><html><head><script src="\/static\/tsjs=tsjs-unified\.min\.js\?v=[0-9a-f]{64}" id="trustedserver-js"><\/script><meta charset="utf-8">/,
      );
    });

    it('rewrites CSS, JavaScript and JSON bodies', async () => {
      const css = (await get(`${self}/style.css`)).body.toString();
      assert.equal(css, `a{background:url("${self}/a.png")} b{background:url(${self}/b.png)}`);
      const js = (await get(`${self}/app.js`)).body.toString();
      assert.equal(js, `fetch("${self}/api");const other="https://cdn.test/x.js";`);
      const json = JSON.parse((await get(`${self}/api.json`)).body.toString()) as { u: string };
      assert.equal(json.u, `${self}/x`);
    });

    for (const originCoding of ['identity', 'gzip', 'br', 'deflate']) {
      for (const client of ['identity', 'gzip', 'br']) {
        it(`serves a ${originCoding} origin page to a client accepting ${client}`, async () => {
          const got = await get(`${self}/page?coding=${originCoding}`, {
            'accept-encoding': client,
          });
          assert.equal(got.status, 200);
          assert.equal(got.headers['content-encoding'], client === 'identity' ? undefined : client);
          assert.match(String(got.headers.vary), /accept-encoding/i);
          assert.equal(got.headers.etag, 'W/"abc"');
          const plain = await get(`${self}/page`);
          assert.equal(got.body.toString(), plain.body.toString());
          assert.equal(count(got.body.toString(), 'id="trustedserver-js"'), 1);
        });
      }
    }

    it('passes images through byte for byte, with their length', async () => {
      const got = await get(`${self}/image.png`, { 'accept-encoding': 'gzip' });
      assert.equal(got.status, 200);
      assert.equal(got.headers['content-encoding'], undefined);
      assert.equal(got.headers['content-length'], String(IMAGE.byteLength));
      assert.equal(got.headers.etag, '"abc"');
      assert.deepEqual(got.raw, IMAGE);
    });

    it('rewrites a 404 page and keeps its status', async () => {
      const got = await get(`${self}/missing`);
      assert.equal(got.status, 404);
      const html = got.body.toString();
      assert.ok(html.includes(`<a href="${self}/">home</a>`), html);
      assert.equal(count(html, 'id="trustedserver-js"'), 1);
    });

    it('rewrites Location to first party and Set-Cookie Domain to the cookie domain', async () => {
      const got = await get(`${self}/redirect`);
      assert.equal(got.status, 302);
      assert.equal(got.headers.location, `${self}/page`);
      assert.deepEqual(got.headers['set-cookie'], [
        'sid=1; Domain=.publisher.test; Path=/',
        'other=2; Domain=elsewhere.test; Path=/',
      ]);
    });

    it('serves /static/tsjs= with an ETag and answers 304 to a matching If-None-Match', async () => {
      const html = (await get(`${self}/page`)).body.toString();
      const src = /src="(\/static\/tsjs=[^"]+)"/.exec(html)?.[1];
      assert.ok(src);
      const got = await get(`${self}${src}`);
      assert.equal(got.status, 200);
      assert.match(String(got.headers['content-type']), /javascript/);
      assert.ok(got.body.byteLength > 1000);
      const etag = got.headers.etag;
      assert.ok(etag);
      const again = await get(`${self}${src}`, { 'if-none-match': etag });
      assert.equal(again.status, 304);
      assert.equal(again.raw.byteLength, 0);
    });

    it('rewrites the shared fixture page served gzip', { skip: FIXTURE.skip }, async () => {
      const got = await get(`${self}/fixture?coding=gzip`, { 'accept-encoding': 'gzip' });
      assert.equal(got.status, 200);
      assert.equal(got.headers['content-encoding'], 'gzip');
      const html = got.body.toString();
      assert.equal(count(html, 'id="trustedserver-js"'), 1);
      assert.ok(html.length > 10000);
    });

    it('passes 204 and 205 through with no body (never a 500)', async () => {
      for (const status of [204, 205]) {
        const got = await get(`${self}/${status}`);
        assert.equal(got.status, status);
        assert.equal(got.headers['x-origin-said'], 'nothing');
        assert.equal(got.raw.byteLength, 0);
      }
    });

    it('passes a 304 revalidation through, so browsers can revalidate pages', async () => {
      const first = await get(`${self}/revalidate`);
      assert.equal(first.status, 200);
      assert.equal(first.headers.etag, 'W/"v1"');
      const again = await get(`${self}/revalidate`, { 'if-none-match': '"v1"' });
      assert.equal(again.status, 304);
      assert.equal(again.raw.byteLength, 0);
      assert.equal(again.headers['cache-control'], 'max-age=60');
    });

    it('makes a response that sets a cookie private, with edge-cache headers removed', async () => {
      const got = await get(`${self}/personal`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.headers['set-cookie'], ['session=reader-one; Path=/; HttpOnly']);
      assert.equal(got.headers['cache-control'], 'private, max-age=30');
      assert.equal(got.headers['surrogate-control'], undefined);
      assert.equal(got.headers['cdn-cache-control'], undefined);
    });

    for (const type of ['image/png', 'text/html']) {
      const skip = type === 'text/html' ? false : (limits.passthroughDeadline ?? false);
      it(
        `cuts off a dripping ${type} response at proxy.max_response_ms, never ending it cleanly`,
        { skip },
        async () => {
          const started = Date.now();
          await assert.rejects(get(`${self}/drip?type=${encodeURIComponent(type)}`));
          const took = Date.now() - started;
          assert.ok(
            took >= SUITE_MAX_RESPONSE_MS - 100 && took < SUITE_MAX_RESPONSE_MS + 4000,
            `${took} ms`,
          );
        },
      );
    }

    it('strips client-identity headers a client sent, in either spelling', async () => {
      const seen = origin.seen.length;
      const got = await get(`${self}/api.json`, {
        // Not CF-Connecting-IP: on Workers, Cloudflare's edge sets it and the adapter believes it.
        'true-client-ip': '203.0.113.9',
        'x-client-ip': '203.0.113.9',
        x_forwarded_for: '203.0.113.9',
        x_ts_ec: 'forged',
      });
      assert.equal(got.status, 200);
      const asked = origin.seen[seen];
      const names = (asked?.rawHeaders ?? [])
        .filter((_, index) => index % 2 === 0)
        .map((name) => name.toLowerCase());
      for (const name of ['true-client-ip', 'x-client-ip']) {
        assert.ok(!names.includes(name), `${name} reached the origin`);
      }
      assert.ok(!names.some((name) => name.includes('_')), names.join(' '));
      assert.notEqual(asked?.headers['x-forwarded-for'], '203.0.113.9');
    });

    it('never lets a request path choose the upstream host', async () => {
      const port = Number(new URL(self).port);
      for (const target of ['//127.0.0.1:9/x', '/.//127.0.0.1:9/x', '/..//evil.test/x']) {
        const seen = origin.seen.length;
        const reply = await rawRequest(
          port,
          `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
        );
        assert.equal(statusOf(reply), 404, target);
        const asked = origin.seen[seen];
        assert.equal(asked?.headers.host, 'www.origin.test', target);
        assert.equal(asked?.url, target.replace(/^\/(\.\.?\/)?\//, '/'), target);
      }
    });

    it('answers a generic 502 when the origin is unreachable', async () => {
      await origin.close();
      const got = await get(`${self}/page`);
      assert.equal(got.status, 502);
      assert.equal(got.body.toString(), 'Bad gateway\n');
    });
  });
}

export { page };
