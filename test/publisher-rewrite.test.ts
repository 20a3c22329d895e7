/**
 * The rewriting publisher proxy end to end: a real origin on loopback, the real Node adapter,
 * real compression both ways.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { HtmlRewriter } from '../src/core/html/index.ts';
import { encodeBody, encodedHeaders, getDecoded, urlRichPage } from './helpers/http-bodies.ts';
import { startOrigin, type TestOrigin } from './helpers/origin.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { testSettings } from './helpers/settings.ts';
import { sharedFixture } from './helpers/shared-fixtures.ts';

/** GET with a given Accept-Encoding; the body is decoded from the bytes on the wire. */
const get = (url: string, acceptEncoding?: string) =>
  getDecoded(url, acceptEncoding ? { 'accept-encoding': acceptEncoding } : {});

/** Every URL-bearing attribute value in a page, found with the project's own tokenizer. */
function attributeValues(html: Buffer): string[] {
  const values: string[] = [];
  const rewriter = new HtmlRewriter({ output: () => {} });
  rewriter.on('*', {
    element: (el) => {
      for (const [name, value] of el.attributes) {
        if (
          ['href', 'src', 'srcset', 'imagesrcset', 'action', 'content', 'poster', 'style'].includes(
            name,
          )
        )
          values.push(value);
      }
    },
  });
  void rewriter.write(html);
  void rewriter.end();
  return values;
}

describe('rewriting publisher proxy', () => {
  let origin: TestOrigin;
  let server: TestServer;
  let base = '';
  const page = (self: string) => urlRichPage(self);

  before(async () => {
    origin = await startOrigin(
      (req, res) => {
        const url = new URL(req.url ?? '/', base);
        const coding = url.searchParams.get('coding') ?? 'identity';
        const chunked = url.searchParams.get('chunks') === '1';
        const send = (type: string, body: Buffer, extra: http.OutgoingHttpHeaders = {}) => {
          const encoded = encodeBody(coding, body);
          res.writeHead(200, encodedHeaders(coding, type, encoded, extra));
          if (!chunked) return res.end(encoded);
          // One byte at a time: the proxy must give the same result as for one big write.
          let offset = 0;
          const next = () => {
            if (offset >= encoded.byteLength) return res.end();
            res.write(encoded.subarray(offset, offset + 1), next);
            offset += 1;
          };
          next();
        };
        switch (url.pathname) {
          case '/page':
            return send('text/html; charset=utf-8', Buffer.from(page(base)), {
              'content-security-policy': "script-src 'nonce-r4nd0m' 'strict-dynamic'",
            });
          case '/style.css':
            return send(
              'text/css',
              Buffer.from(`a{background:url("${base}/a.png")} b{background:url(${base}/b.png)}`),
            );
          case '/api.json':
            return send(
              'application/json',
              Buffer.from(JSON.stringify({ u: `${base}/x`, h: new URL(base).host })),
            );
          case '/latin1':
            return send(
              'text/html; charset=windows-1252',
              Buffer.from([
                ...Buffer.from(`<p title="caf`),
                0xe9,
                ...Buffer.from(`"><a href="${base}/`),
                0xe9,
                ...Buffer.from(`">`),
                0x80,
                0x9f,
                ...Buffer.from('</a>'),
              ]),
            );
          case '/redirect':
            res.writeHead(302, {
              location: `${base}/page`,
              link: `<${base}/style.css>; rel=preload; as=style`,
              'set-cookie': [
                `sid=1; Domain=${new URL(base).hostname}; Path=/`,
                'other=2; Domain=elsewhere.test',
              ],
            });
            return res.end();
          case '/truncated': {
            const full = zlib.gzipSync(Buffer.from(page(base).repeat(50)));
            res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
            return res.end(full.subarray(0, Math.floor(full.byteLength * 0.6)));
          }
          case '/bomb': {
            res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
            return res.end(zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x61)));
          }
          default:
            res.writeHead(404, { 'content-type': 'text/html' });
            return res.end(`<html><head></head><body><a href="${base}/">home</a></body></html>`);
        }
      },
      { streaming: true },
    );
    base = origin.url;
    server = await startTestServer(
      testSettings(origin.url, '[proxy]\nmax_decoded_body_bytes = 1048576\n'),
    );
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  for (const originCoding of ['identity', 'gzip', 'deflate', 'br']) {
    for (const clientCoding of [undefined, 'gzip', 'br', 'gzip, br']) {
      it(`rewrites every origin URL in HTML (origin ${originCoding}, client ${clientCoding ?? 'none'})`, async () => {
        const got = await get(`${server.url}/page?coding=${originCoding}`, clientCoding);
        const expectCoding = clientCoding?.includes('br')
          ? 'br'
          : clientCoding
            ? 'gzip'
            : undefined;
        assert.equal(got.headers['content-encoding'], expectCoding);
        assert.equal(got.headers['content-length'], undefined);
        assert.equal(got.headers.vary, 'Accept-Encoding');
        assert.equal(got.headers.etag, 'W/"abc"');
        const html = got.body.toString();
        const first = server.url.replace('http://', '');
        assert.equal(
          html,
          page(server.url)
            .replace(`${first}.evil.net`, `${new URL(base).host}.evil.net`)
            .replace(
              '<head>',
              `<head><script src="${/src="([^"]+)"/.exec(html)?.[1]}" id="trustedserver-js" nonce="r4nd0m"></script>`,
            ),
        );
        assert.equal(html.split('id="trustedserver-js"').length, 2, 'injected exactly once');
      });
    }
  }

  it('gives the same page whether the origin writes it whole or one byte at a time', async () => {
    for (const coding of ['identity', 'gzip']) {
      const whole = await get(`${server.url}/page?coding=${coding}`);
      const dripped = await get(`${server.url}/page?coding=${coding}&chunks=1`);
      assert.equal(dripped.body.toString('hex'), whole.body.toString('hex'));
    }
  });

  it('rewrites CSS and JSON bodies', async () => {
    const css = await get(`${server.url}/style.css?coding=br`, 'gzip');
    assert.equal(
      css.body.toString(),
      `a{background:url("${server.url}/a.png")} b{background:url(${server.url}/b.png)}`,
    );
    const json = await get(`${server.url}/api.json?coding=deflate`);
    assert.deepEqual(JSON.parse(json.body.toString()), {
      u: `${server.url}/x`,
      h: new URL(server.url).host,
    });
  });

  it('keeps every windows-1252 byte of a legacy page', async () => {
    const got = await get(`${server.url}/latin1`);
    assert.deepEqual(
      [...got.body].filter((byte) => byte > 0x7f),
      [0xe9, 0xe9, 0x80, 0x9f],
    );
    assert.ok(got.body.includes(Buffer.from(`href="${server.url}/`)));
  });

  it('rewrites Location, Link and Set-Cookie Domain on redirects', async () => {
    const got = await get(`${server.url}/redirect`);
    assert.equal(got.status, 302);
    assert.equal(got.headers.location, `${server.url}/page`);
    assert.equal(got.headers.link, `<${server.url}/style.css>; rel=preload; as=style`);
    assert.deepEqual(got.headers['set-cookie'], [
      'sid=1; Domain=.publisher.test; Path=/',
      'other=2; Domain=elsewhere.test',
    ]);
  });

  it('rewrites a 404 page too', async () => {
    const got = await get(`${server.url}/missing`);
    assert.equal(got.status, 404);
    assert.match(got.body.toString(), new RegExp(`href="${server.url}/"`));
  });

  it('aborts the client response on truncated gzip and on a decompression bomb', async () => {
    await assert.rejects(
      get(`${server.url}/truncated`),
      /aborted|ECONNRESET|socket hang up|premature|unexpected end/i,
    );
    await assert.rejects(
      get(`${server.url}/bomb`),
      /aborted|ECONNRESET|socket hang up|premature|unexpected end/i,
    );
  });

  const fixture = sharedFixture('publisher-page.html');
  it(
    'rewrites every URL attribute of the real publisher page served by its own origin',
    { skip: fixture.skip },
    async () => {
      const fixtureOrigin = await startOrigin((_req, res) => {
        const html = readFileSync(fixture.path, 'utf8').replaceAll(
          'https://www.test-publisher.com',
          self,
        );
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-encoding': 'gzip',
        });
        res.end(zlib.gzipSync(html));
      });
      const self = fixtureOrigin.url;
      const proxy = await startTestServer(testSettings(self));
      try {
        const got = await get(`${proxy.url}/`, 'br');
        const values = attributeValues(got.body);
        console.log(`# fixture page: ${values.length} URL-bearing attribute values checked`);
        assert.ok(values.length > 200, `only ${values.length} attribute values found`);
        const host = new URL(self).host;
        assert.deepEqual(
          values.filter((value) => value.includes(host)),
          [],
        );
        assert.ok(values.filter((value) => value.includes(new URL(proxy.url).host)).length > 100);
      } finally {
        await proxy.close();
        await fixtureOrigin.close();
      }
    },
  );

  it("sends the response headers as soon as the origin's are in, before any body byte", async () => {
    // The origin answers with headers only, and writes its page when the client has its
    // headers: a proxy that held them until the first body byte would never get there.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = await startOrigin(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
        res.flushHeaders();
        void released.then(() =>
          res.end(zlib.gzipSync(`<html><head></head><a href="${slowBase}/x">x</a>`)),
        );
      },
      { streaming: true },
    );
    const slowBase = slow.url;
    const proxy = await startTestServer(testSettings(slow.url));
    try {
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        http
          .get(`${proxy.url}/`, { headers: { 'accept-encoding': 'br' } }, resolve)
          .on('error', reject);
        setTimeout(
          () => reject(new Error('no response headers while the origin holds its body')),
          3000,
        );
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-encoding'], 'br');
      release();
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const html = zlib.brotliDecompressSync(Buffer.concat(chunks)).toString();
      assert.ok(html.includes('trustedserver-js') && !html.includes(slowBase), html);
    } finally {
      release();
      await proxy.close();
      await slow.close();
    }
  });

  it('keeps backpressure through the HTML rewriter, and a client abort cancels the origin', async () => {
    const unit = Buffer.from(`<p><a href="${'ORIGIN'}/x">link</a> ${'text '.repeat(40)}</p>\n`);
    let written = 0;
    let closed: () => void = () => {};
    const originClosed = new Promise<void>((resolve) => (closed = resolve));
    const big = await startOrigin(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        const piece = Buffer.from(unit.toString().replace('ORIGIN', bigBase).repeat(200));
        res.on('close', () => closed());
        const pump = () => {
          while (written < 64 * 1024 * 1024 && !res.destroyed) {
            written += piece.byteLength;
            if (!res.write(piece)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      },
      { streaming: true },
    );
    const bigBase = big.url;
    const proxy = await startTestServer(testSettings(big.url));
    try {
      // Identity to the client: compressed output would be small enough to sit in socket buffers.
      const req = http.get(`${proxy.url}/`);
      const res = await new Promise<http.IncomingMessage>((resolve) =>
        req.once('response', resolve),
      );
      res.pause();
      let previous = -1;
      while (previous !== written) {
        previous = written;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok(
        written < 40 * 1024 * 1024,
        `origin wrote ${written} bytes to a client that reads nothing`,
      );
      res.destroy();
      await Promise.race([
        originClosed,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('origin not cancelled')), 3000),
        ),
      ]);
    } finally {
      await proxy.close();
      await big.close();
    }
  });
});
