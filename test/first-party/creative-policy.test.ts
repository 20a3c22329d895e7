/**
 * The pieces the first-party proxy's safety rests on, one by one: which addresses are public,
 * how host patterns match, the redirect walk's refusal of a private hop before it is fetched, and
 * the dispatch of a creative's body by type to the rewriters it is given.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nonPublicAddressText } from '../../src/core/http/address-class.ts';
import type { RequestContext } from '../../src/core/http/request-context.ts';
import { createCreativeFetch } from '../../src/core/first-party/creative-fetch.ts';
import {
  createHostAllowList,
  hostMatchesPattern,
  isExcludedUrl,
} from '../../src/core/first-party/domain-patterns.ts';
import { createProxyHandler } from '../../src/core/first-party/proxy-route.ts';
import { signTarget } from '../../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../../src/core/first-party/token.ts';
import { Secret } from '../../src/core/settings/secret.ts';
import { createUpstreamFetch, type UpstreamFetcher } from '../../src/node/upstream-fetch.ts';
import { fakeServices } from '../helpers/fake-services.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { loadSettings } from '../../src/core/settings/load-settings.ts';
import { baseToml, SECRET_PROXY, testSettings } from '../helpers/settings.ts';

describe('public addresses', () => {
  const cases: [string, string | undefined][] = [
    ['8.8.8.8', undefined],
    ['93.184.216.34', undefined],
    ['2606:4700::1111', undefined],
    ['::ffff:8.8.8.8', undefined],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', undefined],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.128.0.1', undefined],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'unique local'],
    ['fc00::1', 'unique local'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:0a00:0001::', 'private'],
    // Local-use NAT64 (RFC 8215) embeds IPv4 in its last 32 bits, like 64:ff9b::/96.
    ['64:ff9b:1::a9fe:a9fe', 'link-local'],
    ['64:ff9b:1:ffff::7f00:1', 'loopback'],
    ['64:ff9b:1::808:808', undefined],
    // The deprecated 6to4 relay anycast block (RFC 7526).
    ['192.88.99.1', 'reserved'],
    ['::ffff:192.88.99.1', 'reserved'],
    ['example.com', 'not an IP address'],
  ];
  for (const [address, kind] of cases) {
    it(`${address} → ${kind ?? 'public'}`, () => assert.equal(nonPublicAddressText(address), kind));
  }
});

describe('host patterns', () => {
  it('matches upstream’s exclude_domains vectors', () => {
    const patterns = ['cdn.example.com', '*.example2.com'];
    for (const url of [
      'http://cdn.example.com/image.png',
      'https://example2.com/cdn.js',
      'https://cdnjs.example2.com/lib.js',
      'https://sub.domain.example2.com/asset.js',
      '//cdn.example.com/protocol-relative.js',
    ]) {
      assert.ok(isExcludedUrl(url, patterns), url);
    }
    for (const url of [
      'https://other.example.com/a',
      'https://sub.cdn.example.com/a',
      'https://example2.com.fake.com/a',
      'https://notexample.com/a',
      'not a url',
      '',
    ]) {
      assert.ok(!isExcludedUrl(url, patterns), url);
    }
  });

  it('allow-lists at a dot boundary, case and trailing dot aside; empty or "*" is open', () => {
    const allows = createHostAllowList(['*.Example.com', ' cdn.test ']);
    assert.ok(allows('example.com'));
    assert.ok(allows('a.b.EXAMPLE.com.'));
    assert.ok(allows('cdn.test'));
    assert.ok(!allows('evil-example.com'));
    assert.ok(!allows('sub.cdn.test'));
    assert.ok(createHostAllowList([])('anything.example'));
    assert.ok(createHostAllowList(['*', ' '])('anything.example'));
    assert.ok(!hostMatchesPattern('example.com', '*.'));
  });
});

describe('the redirect walk', () => {
  it('refuses a hop to a private address before fetching it', async () => {
    const asked: string[] = [];
    const services = fakeServices({
      overrides: {
        fetchUpstream: (request) => {
          asked.push(request.url);
          return Promise.resolve(
            new Response(null, { status: 302, headers: { location: 'https://10.0.0.7/x' } }),
          );
        },
      },
    });
    const fetchCreative = createCreativeFetch(testSettings(), services);
    await assert.rejects(
      fetchCreative(new URL('https://cdn.example/a'), new Headers()),
      (error: Error & { status?: number }) =>
        error.status === 403 && /10\.0\.0\.7 is a private address/.test(error.message),
    );
    assert.deepEqual(asked, ['https://cdn.example/a']);
  });
});

describe('dispatch by content type', () => {
  let host: TestOrigin;
  let upstream: UpstreamFetcher;
  before(async () => {
    host = await startOrigin((req, res) => {
      const types: Record<string, string> = {
        '/a.html': 'text/html; charset=utf-8',
        '/a.css': 'text/css',
        '/a.js': 'application/javascript',
        '/a.json': 'application/json',
      };
      res.writeHead(req.url === '/a.json' ? 202 : 200, {
        'content-type': types[req.url ?? ''] ?? '',
      });
      res.end(req.url === '/a.css' ? 'a{background:url(x.png)}' : '<b>bold</b>');
    });
    upstream = createUpstreamFetch();
  });
  after(async () => {
    await host.close();
    await upstream.close();
  });

  const signer = createProxyTokenSigner(new Secret(SECRET_PROXY));
  const settings = testSettings('http://127.0.0.1:9', '[proxy]\nallow_private_targets = true\n');

  async function proxied(path: string): Promise<Response> {
    const services = fakeServices({ overrides: { fetchUpstream: upstream.fetch, now: Date.now } });
    const contexts: string[] = [];
    const handler = createProxyHandler(settings, services, {
      signer,
      fetchCreative: createCreativeFetch(settings, services),
      rewriters: {
        // Trivial but real transforms: HTML upper-cased as it streams, CSS marked.
        htmlTransform: (context) => {
          contexts.push(context.url.href);
          const decoder = new TextDecoder();
          const encoder = new TextEncoder();
          return new TransformStream<Uint8Array, Uint8Array>({
            transform: (chunk, controller) =>
              controller.enqueue(
                encoder.encode(decoder.decode(chunk, { stream: true }).toUpperCase()),
              ),
          });
        },
        cssRewrite: (css, context) => Promise.resolve(`/* from ${context.url.pathname} */${css}`),
      },
    });
    const href = (await signTarget(signer, host.url + path))?.href ?? '';
    const url = new URL(href, 'https://www.publisher.test');
    const ctx: RequestContext = {
      clientIp: '192.0.2.1',
      scheme: 'https',
      host: 'www.publisher.test',
      headers: new Headers(),
      url,
      path: url.pathname,
      geo: null,
    };
    return handler(new Request(url), ctx, undefined);
  }

  it('streams HTML through the HTML transform', async () => {
    const response = await proxied('/a.html');
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(await response.text(), '<B>BOLD</B>');
  });

  it('rewrites CSS whole, told the creative’s URL', async () => {
    const response = await proxied('/a.css');
    assert.equal(response.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(await response.text(), '/* from /a.css */a{background:url(x.png)}');
  });

  it('passes scripts and JSON as they came, status included', async () => {
    const script = await proxied('/a.js');
    assert.equal(await script.text(), '<b>bold</b>');
    assert.equal(script.headers.get('content-type'), 'application/javascript');
    const json = await proxied('/a.json');
    assert.equal(json.status, 202);
    assert.equal(await json.text(), '<b>bold</b>');
  });
});

describe('proxy.allow_private_targets', () => {
  it('is off by default and warned about when on', () => {
    assert.equal(testSettings().proxy.allow_private_targets, false);
    const warnings: string[] = [];
    loadSettings(baseToml('http://127.0.0.1:9', '[proxy]\nallow_private_targets = true\n'), {
      source: 'test.toml',
      env: {},
      onWarning: (warning) => warnings.push(warning),
    });
    assert.ok(
      warnings.some((warning) =>
        /allow_private_targets.*for tests and local development only/.test(warning),
      ),
      warnings.join('\n'),
    );
  });
});
