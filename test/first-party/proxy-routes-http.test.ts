/**
 * The first-party proxy's routes through the real Node server, with creative hosts as real HTTP
 * servers on loopback (`proxy.allow_private_targets` on, as only tests and local development may):
 * what a reader's browser and a creative host each see.
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { signTarget, type SignOptions } from '../../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../../src/core/first-party/token.ts';
import { Secret } from '../../src/core/settings/secret.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SECRET_PROXY, testSettings } from '../helpers/settings.ts';

const signer = createProxyTokenSigner(new Secret(SECRET_PROXY));
const EC_ID = `${'ab'.repeat(32)}.Zx81Qa`;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const NON_REGULATED = '[geo]\nmode = "fixed"\ncountry = "CA"\n';

function proxyToml(extra = ''): string {
  return `[proxy]
allow_private_targets = true
allowed_domains = ["127.0.0.1"]
creative_max_bytes = 65536
creative_timeout_ms = 1500
${extra}`;
}

describe('first-party proxy routes over HTTP', () => {
  let host: TestOrigin;
  let server: TestServer;
  let base: string;

  /** Emits a request's path when the host's response to it closes (sent, or cut off). */
  const closes = new EventEmitter();
  const nextClose = (path: string) => once(closes, path).then(() => undefined);

  before(async () => {
    host = await startOrigin((req, res) => {
      const path = req.url ?? '';
      res.on('close', () => closes.emit(path.split('?')[0] ?? ''));
      const hop = /^\/hops\/(\d+)/.exec(path);
      if (hop) {
        const left = Number(hop[1]);
        if (left === 0) {
          res.writeHead(200, { 'content-type': 'image/png' });
          return res.end(PNG);
        }
        // Relative Location, one hop shorter each time.
        res.writeHead(302, { location: `/hops/${left - 1}` });
        return res.end();
      }
      switch (path.split('?')[0]) {
        case '/img.png':
          res.writeHead(200, {
            'content-type': 'image/png',
            'set-cookie': 'tracker=1; Path=/',
            'access-control-allow-origin': '*',
            'access-control-allow-credentials': 'true',
            'clear-site-data': '"cookies"',
            'strict-transport-security': 'max-age=31536000',
            'cache-control': 'public, max-age=60, s-maxage=600',
          });
          return res.end(PNG);
        case '/vary.avif':
          res.writeHead(200, { 'content-type': 'image/avif', vary: 'Accept, DPR' });
          return res.end(PNG);
        case '/untyped':
          res.writeHead(200, { vary: 'DPR' });
          return res.end(PNG);
        case '/latin1.html':
          res.writeHead(200, { 'content-type': 'text/html; charset=iso-8859-1' });
          return res.end(Buffer.from('<p>Caf\xe9</p><img src="a.png">', 'latin1'));
        case '/latin1.css':
          res.writeHead(200, { 'content-type': 'text/css; charset="ISO-8859-1"' });
          return res.end(Buffer.from('.x{content:"\xe9";background:url(a.png)}', 'latin1'));
        case '/klingon.html':
          res.writeHead(200, { 'content-type': 'text/html; charset=x-klingon' });
          return res.end('<p>x</p>');
        case '/see-other':
          res.writeHead(303, { location: '/img.png' });
          return res.end();
        case '/loop-a':
          res.writeHead(302, { location: '/loop-b' });
          return res.end();
        case '/loop-b':
          res.writeHead(302, { location: '/loop-a' });
          return res.end();
        case '/to-elsewhere':
          res.writeHead(302, { location: 'https://elsewhere.example/x.png' });
          return res.end();
        case '/to-metadata':
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
          return res.end();
        case '/ad.html':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<p>creative</p>');
        case '/echo':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify(req.headers));
        case '/huge':
          // Declares 5 GB; sends a little, then waits for a reader that never comes.
          res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(5e9) });
          return res.write(Buffer.alloc(1024));
        case '/endless': {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          const chunk = Buffer.alloc(16 * 1024, 1);
          const pump = () => {
            while (res.write(chunk));
          };
          res.on('drain', pump);
          return pump();
        }
        case '/drip': {
          res.writeHead(200, { 'content-type': 'image/gif' });
          const timer = setInterval(() => res.write('x'), 100);
          res.on('close', () => clearInterval(timer));
          return;
        }
        case '/stall':
          return; // never answers
        default:
          res.writeHead(404);
          res.end();
      }
    });
    server = await startTestServer(testSettings('http://127.0.0.1:9', NON_REGULATED + proxyToml()));
    base = server.url;
  });

  after(async () => {
    await server.close();
    await host.close();
  });

  const signed = async (path: string, options: SignOptions = {}) =>
    (await signTarget(signer, `${host.url}${path}`, options))?.href ?? assert.fail('unsigned');
  const requestsFor = (path: string) => host.seen.filter((seen) => seen.url.startsWith(path));

  it('proxies an image byte for byte, without the host’s cookies, CORS or site-wide headers', async () => {
    const response = await fetch(base + (await signed('/img.png')));
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), PNG);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.equal(response.headers.get('set-cookie'), null);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.equal(response.headers.get('access-control-allow-credentials'), null);
    assert.equal(response.headers.get('clear-site-data'), null);
    assert.equal(response.headers.get('strict-transport-security'), null);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(
      response.headers.get('content-security-policy'),
      'sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox allow-forms',
    );
    // No ID was forwarded (no cookie): the host's caching stands.
    assert.equal(response.headers.get('cache-control'), 'public, max-age=60, s-maxage=600');
  });

  it('passes the host’s Vary', async () => {
    const response = await fetch(base + (await signed('/vary.avif')), {
      headers: { accept: 'image/avif,image/*' },
    });
    assert.equal(response.headers.get('vary'), 'Accept, DPR');
    await response.arrayBuffer();
  });

  it('adds Accept to Vary when the type is the image/* guessed from Accept', async () => {
    const image = await fetch(base + (await signed('/untyped')), {
      headers: { accept: 'image/webp,image/*' },
    });
    assert.equal(image.headers.get('content-type'), 'image/*');
    assert.equal(image.headers.get('vary'), 'DPR, Accept');
    await image.arrayBuffer();
    const other = await fetch(base + (await signed('/untyped')), { headers: { accept: '*/*' } });
    assert.equal(other.headers.get('content-type'), 'application/octet-stream');
    assert.equal(other.headers.get('vary'), 'DPR');
    await other.arrayBuffer();
  });

  it('forwards only UA, Accept and Accept-Language, and the Referer cut to its origin', async () => {
    const response = await fetch(base + (await signed('/echo')), {
      headers: {
        'user-agent': 'Reader/1.0',
        accept: 'application/json',
        'accept-language': 'fr-CA',
        referer: 'https://www.publisher.test/2026/secret-article?utm=1',
        cookie: `ts-ec=${EC_ID}; session=abc`,
        authorization: 'Bearer reader-token',
        'x-forwarded-for': '203.0.113.9',
        'x-real-ip': '203.0.113.9',
        'x-ts-ec': EC_ID,
        'x-publisher-internal': 'yes',
      },
    });
    assert.equal(response.status, 200);
    const got = (await response.json()) as Record<string, string>;
    assert.equal(got['user-agent'], 'Reader/1.0');
    assert.equal(got['accept'], 'application/json');
    assert.equal(got['accept-language'], 'fr-CA');
    assert.equal(got['referer'], 'https://www.publisher.test/');
    for (const name of ['cookie', 'authorization', 'x-forwarded-for', 'x-real-ip', 'x-ts-ec']) {
      assert.equal(got[name], undefined, name);
    }
    assert.ok(!Object.keys(got).some((name) => name.startsWith('x-')), Object.keys(got).join());
  });

  it('passes HTML through the creative transform as utf-8 HTML (the runtime injected)', async () => {
    const response = await fetch(base + (await signed('/ad.html')));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(
      await response.text(),
      /^<script src="\/static\/tsjs=tsjs-creative\.min\.js\?v=[^"]+"><\/script><p>creative<\/p>$/,
    );
  });

  it('re-encodes a creative in a declared legacy charset as UTF-8 (Latin-1 é arrives as é)', async () => {
    const html = await fetch(base + (await signed('/latin1.html')));
    assert.equal(html.status, 200);
    assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
    const text = await html.text();
    assert.match(text, /<p>Café<\/p><img src="\/first-party\/proxy\?tsurl=/);
    const css = await fetch(base + (await signed('/latin1.css')));
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.match(await css.text(), /^\.x\{content:"é";background:url\(\/first-party\/proxy\?/);
  });

  it('refuses a charset it does not know with a 502 and one log line naming it', async () => {
    const response = await fetch(base + (await signed('/klingon.html')));
    assert.equal(response.status, 502);
    await response.text();
    const lines = server.logs.filter((line) => line.includes('x-klingon'));
    assert.equal(lines.length, 1, server.logs.slice(-3).join('\n'));
    assert.match(lines[0] ?? '', /unknown charset/);
  });

  describe('signed URLs that are refused fetch nothing', () => {
    const cases: [string, (href: string) => string | Promise<string>, number, RegExp][] = [
      [
        'tampered token',
        (href) =>
          href.replace(/tstoken=(.)/, (_m, c: string) => `tstoken=${c === 'A' ? 'B' : 'A'}`),
        403,
        /invalid tstoken/,
      ],
      ['truncated token', (href) => href.slice(0, -1), 403, /invalid tstoken/],
      ['no token', (href) => href.replace(/&tstoken=[^&]*/, ''), 400, /missing tstoken/],
      ['no tsurl', (href) => href.replace(/tsurl=[^&]*&/, ''), 400, /missing tsurl/],
      ['tampered target', (href) => href.replace('img.png', 'img.pnh'), 403, /invalid tstoken/],
      [
        'reordered parameters',
        (href) => href.replace('a=1&b=2', 'b=2&a=1'),
        403,
        /invalid tstoken/,
      ],
      [
        'an added parameter',
        (href) => href.replace('&tstoken', '&c=3&tstoken'),
        403,
        /invalid tstoken/,
      ],
      ['a duplicated token', (href) => `${href}&tstoken=x`, 400, /more than once/],
      [
        'its parameters folded into tsurl (the same token)',
        (href) => {
          const url = new URL(href, 'https://p.x');
          const tsurl = url.searchParams.get('tsurl') ?? '';
          return `/first-party/proxy?${new URLSearchParams([
            ['tsurl', `${tsurl}?a=1&b=2`],
            ['tstoken', url.searchParams.get('tstoken') ?? ''],
          ]).toString()}`;
        },
        400,
        /tsurl carries a query or fragment/,
      ],
    ];
    for (const [name, spoil, status, reason] of cases) {
      it(name, async () => {
        const seen = host.seen.length;
        const href = await spoil(await signed('/img.png?a=1&b=2'));
        const response = await fetch(base + href);
        assert.equal(response.status, status);
        const body = await response.text();
        assert.match(body, reason);
        assert.equal(body.trim().split('\n').length, 1);
        assert.equal(host.seen.length, seen, 'the creative host saw a request');
      });
    }

    it('an expired tsexp', async () => {
      const seen = host.seen.length;
      const href = await signed('/img.png', { expiresAt: Math.floor(Date.now() / 1000) - 1 });
      const response = await fetch(base + href);
      assert.equal(response.status, 400);
      assert.equal(await response.text(), 'expired tsexp\n');
      assert.equal(host.seen.length, seen);
    });
  });

  describe('redirects', () => {
    it('follows four hops, relative Locations resolved against each hop', async () => {
      const before = requestsFor('/hops/').length;
      const response = await fetch(base + (await signed('/hops/4')));
      assert.equal(response.status, 200);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), PNG);
      assert.equal(requestsFor('/hops/').length - before, 5);
    });

    it('refuses a fifth with a 502', async () => {
      const before = requestsFor('/hops/').length;
      const response = await fetch(base + (await signed('/hops/5')));
      assert.equal(response.status, 502);
      assert.equal(requestsFor('/hops/').length - before, 5, 'the sixth URL is never asked for');
      assert.ok(server.logs.some((line) => line.includes('redirected more than 4 times')));
    });

    it('turns a 303 into a GET of the new location', async () => {
      const response = await fetch(base + (await signed('/see-other')));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'image/png');
    });

    it('stops a loop at its first repeat with a 502', async () => {
      const before = requestsFor('/loop-').length;
      const response = await fetch(base + (await signed('/loop-a')));
      assert.equal(response.status, 502);
      assert.equal(requestsFor('/loop-').length - before, 2);
      assert.ok(server.logs.some((line) => line.includes('creative redirect loop')));
    });

    it('refuses a hop to a host outside allowed_domains with a 403 naming it', async () => {
      const response = await fetch(base + (await signed('/to-elsewhere')));
      assert.equal(response.status, 403);
      assert.equal(
        await response.text(),
        'host elsewhere.example is not in proxy.allowed_domains\n',
      );
    });

    it('refuses a hop to plain http on a non-loopback address (the metadata service)', async () => {
      const response = await fetch(base + (await signed('/to-metadata')));
      assert.equal(response.status, 403);
      assert.match(await response.text(), /must be https/);
    });
  });

  describe('size and time caps', () => {
    it('refuses a declared 5 GB creative with a 502 before streaming, and lets go of the host', async () => {
      const closed = nextClose('/huge');
      const started = Date.now();
      const response = await fetch(base + (await signed('/huge')));
      assert.equal(response.status, 502);
      assert.ok(Date.now() - started < 1000);
      await closed;
    });

    it('cuts an endless body at the cap: the download fails, never ends cleanly', async () => {
      const response = await fetch(base + (await signed('/endless')));
      assert.equal(response.status, 200);
      await assert.rejects(response.arrayBuffer());
      assert.ok(server.logs.some((line) => line.includes('creative body failed')));
    });

    it('cuts a host that drips bytes at the deadline', async () => {
      const started = Date.now();
      const response = await fetch(base + (await signed('/drip')));
      assert.equal(response.status, 200);
      await assert.rejects(response.arrayBuffer());
      const took = Date.now() - started;
      assert.ok(took >= 1400 && took < 4000, `${took} ms`);
    });

    it('answers 504 for a host that never answers', async () => {
      const response = await fetch(base + (await signed('/stall')));
      assert.equal(response.status, 504);
    });

    it('closes the host’s connection when the reader goes away mid-body', async () => {
      const closed = nextClose('/drip');
      const reader = new AbortController();
      const response = await fetch(base + (await signed('/drip')), { signal: reader.signal });
      const body = response.body?.getReader() ?? assert.fail('no body');
      await body.read();
      reader.abort();
      const started = Date.now();
      await closed;
      assert.ok(Date.now() - started < 1000, 'the host kept sending after the reader left');
    });
  });

  describe('ts-ec', () => {
    it('is appended from the validated cookie with consent, replacing one in the target', async () => {
      const response = await fetch(base + (await signed('/echo?ts-ec=planted&x=1')), {
        headers: { cookie: `ts-ec=${EC_ID}` },
      });
      assert.equal(response.status, 200);
      const seen = requestsFor('/echo').at(-1) ?? assert.fail('no request');
      const params = new URL(seen.url, 'http://h').searchParams;
      assert.deepEqual(params.getAll('ts-ec'), [EC_ID]);
      assert.equal(params.get('x'), '1');
      // A response fetched with the reader's ID is theirs alone.
      assert.match(response.headers.get('cache-control') ?? '', /^private/);
    });

    it('is never taken from an x-ts-ec header', async () => {
      await fetch(base + (await signed('/echo')), { headers: { 'x-ts-ec': EC_ID } });
      const seen = requestsFor('/echo').at(-1) ?? assert.fail('no request');
      assert.equal(new URL(seen.url, 'http://h').searchParams.get('ts-ec'), null);
    });

    it('is appended to a click target with consent', async () => {
      const href = (
        await signTarget(signer, 'https://advertiser.example/landing?c=9', {
          basePath: '/first-party/click',
        })
      )?.href;
      const response = await fetch(base + href, {
        redirect: 'manual',
        headers: { cookie: `ts-ec=${EC_ID}` },
      });
      assert.equal(response.status, 302);
      assert.equal(
        response.headers.get('location'),
        `https://advertiser.example/landing?c=9&ts-ec=${encodeURIComponent(EC_ID)}`,
      );
    });
  });

  describe('click', () => {
    it('answers 302 to the target with no-store and no body', async () => {
      const href = (
        await signTarget(signer, 'http://advertiser.example/landing?c=9&d=a b', {
          basePath: '/first-party/click',
        })
      )?.href;
      const response = await fetch(base + href, { redirect: 'manual' });
      assert.equal(response.status, 302);
      assert.equal(response.headers.get('location'), 'http://advertiser.example/landing?c=9&d=a+b');
      assert.equal(response.headers.get('cache-control'), 'no-store, private');
      assert.equal(await response.text(), '');
    });

    it('refuses a tampered click', async () => {
      const href =
        (
          await signTarget(signer, 'https://advertiser.example/landing?c=9', {
            basePath: '/first-party/click',
          })
        )?.href ?? '';
      const response = await fetch(base + href.replace('c=9', 'c=8'), { redirect: 'manual' });
      assert.equal(response.status, 403);
      assert.equal(response.headers.get('location'), null);
    });

    it('refuses a signed javascript: target', async () => {
      const href = (
        await signTarget(signer, 'javascript:alert(1)', {
          basePath: '/first-party/click',
        })
      )?.href;
      const response = await fetch(base + href, { redirect: 'manual' });
      assert.equal(response.status, 400);
    });
  });
});

describe('proxied stylesheets with the default creative_max_bytes (10 MiB)', () => {
  const MiB = 1024 * 1024;
  let host: TestOrigin;
  let server: TestServer;

  before(async () => {
    host = await startOrigin((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      res.writeHead(200, { 'content-type': 'text/css' });
      if (path === '/big.css') return res.end(`a{}${' '.repeat(MiB)}`);
      if (path === '/urls.css') return res.end('url(a)'.repeat(Math.floor(MiB / 6)));
      res.end('.x{background:url(x.png)}');
    });
    const toml = `${NON_REGULATED}[proxy]\nallow_private_targets = true\n`;
    server = await startTestServer(testSettings('http://127.0.0.1:9', toml));
  });

  after(async () => {
    await server.close();
    await host.close();
  });

  const get = async (path: string) =>
    fetch(server.url + ((await signTarget(signer, `${host.url}${path}`))?.href ?? ''));

  it('refuses one over 1 MiB with a 502', async () => {
    const response = await get('/big.css');
    assert.equal(response.status, 502);
    await response.text();
  });

  it('refuses one whose rewriting outgrows 1 MiB with a 502, quickly', async () => {
    const started = performance.now();
    const response = await get('/urls.css');
    assert.equal(response.status, 502);
    await response.text();
    assert.ok(performance.now() - started < 2000, 'took seconds');
  });

  it('still rewrites a small one', async () => {
    const response = await get('/small.css');
    assert.equal(response.status, 200);
    assert.match(await response.text(), /^\.x\{background:url\(\/first-party\/proxy\?tsurl=/);
  });
});
