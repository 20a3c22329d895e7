/**
 * Security checklist items 5, 6 and 11: a client cannot steer the first-party URLs the proxy
 * writes (forwarded host/proto spoofing), cannot pass itself off as someone else to the origin
 * (forwarding, internal and geo headers), and learns nothing from how its credentials are refused.
 * 5 and 6 run on Node and on workerd.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { PASSWORD, SECURE_HANDLER, testSettings } from '../helpers/settings.ts';
import {
  describeRuntimes,
  ORIGIN,
  startNodeProxy,
  wireRequest,
  type NodeProxy,
  type Runtime,
} from './harness.ts';

const PAGE = `<html><head></head><body><a href="${ORIGIN}/story">s</a><img src="//www.origin.test/i.png"></body></html>`;

function spoofOrigin(req: http.IncomingMessage, res: http.ServerResponse) {
  if (req.url === '/redirect') {
    res.writeHead(302, { location: `${ORIGIN}/next`, link: `<${ORIGIN}/a.css>; rel=preload` });
    return res.end();
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(PAGE);
}

/** The links of the rewritten page and the redirect: every URL the proxy wrote for the client. */
async function writtenUrls(url: string, headers: Record<string, string>) {
  const page = await wireRequest(`${url}/page`, { headers });
  const redirect = await wireRequest(`${url}/redirect`, { headers });
  const html = page.body.toString();
  return {
    links: [...html.matchAll(/(?:href|src)="([^"]+)"/g)]
      .map((match) => match[1] ?? '')
      .filter((link) => !link.startsWith('/static/tsjs=')),
    location: redirect.headers.location,
    link: redirect.headers.link,
  };
}

const SPOOFS: Array<[string, Record<string, string>]> = [
  ['X-Forwarded-Host: evil.example', { 'x-forwarded-host': 'evil.example' }],
  ['X-Forwarded-Host naming a configured host', { 'x-forwarded-host': 'localhost' }],
  ['Forwarded: host=evil.example;proto=https', { forwarded: 'host=evil.example;proto=https' }],
  ['Forwarded with a quoted host list', { forwarded: 'for=1.2.3.4;host="evil.example", host=x' }],
  ['X-Forwarded-Proto: https', { 'x-forwarded-proto': 'https' }],
  [
    'all of them at once',
    {
      'x-forwarded-host': 'evil.example:443',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      forwarded: 'proto=https;host=evil.example',
      'x-original-host': 'evil.example',
    },
  ],
];

describeRuntimes('checklist 5–6: spoofed forwarding and identity headers', spoofOrigin, (test) => {
  for (const [name, headers] of SPOOFS) {
    test(`5: ${name} never steers rewritten URLs or Location`, async (r) => {
      const urls = await writtenUrls(r.url, headers);
      const self = r.url; // http://127.0.0.1:PORT: the host and scheme the client really used
      assert.deepEqual(urls.links, [`${self}/story`, `//${new URL(self).host}/i.png`]);
      assert.equal(urls.location, `${self}/next`);
      assert.equal(urls.link, `<${self}/a.css>; rel=preload`);
      const seen = r.origin.seen.at(-1)?.headers ?? {};
      assert.equal(seen['x-forwarded-host'], new URL(self).host);
      assert.equal(seen['x-forwarded-proto'], 'http');
      assert.equal(seen.forwarded, undefined);
    });
  }

  test('5: an unknown Host is served as publisher.domain, never echoed into URLs', async (r) => {
    const urls = await writtenUrls(r.url, { host: 'evil.example' });
    assert.deepEqual(urls.links, ['http://www.publisher.test/story', '//www.publisher.test/i.png']);
    assert.equal(urls.location, 'http://www.publisher.test/next');
  });

  test('6: client identity and internal headers are stripped; the origin sees the true peer', async (r) => {
    await wireRequest(`${r.url}/page`, {
      headers: {
        'x-forwarded-for': ['203.0.113.9', '198.51.100.1, 10.0.0.1'],
        'x-real-ip': '203.0.113.9',
        'x-ts-ec': 'attacker-chosen-id',
        'X-TS-TLS-Version': 'TLSv1.3',
        'x-ts-tls-cipher': 'spoofed',
        'x-ts-anything': 'spoofed',
        'x-geo-country': 'XX',
        'X-Geo-City': 'Nowhere',
        'x-synthetic-id': 'attacker-chosen',
        'fastly-ssl': '1',
      },
    });
    const seen = r.origin.seen.at(-1)?.headers ?? {};
    const leaked = Object.keys(seen).filter((name) =>
      /^(x-ts-|x-geo-|x-real-ip$|x-synthetic-id$|fastly-ssl$)/.test(name),
    );
    assert.deepEqual(leaked, []);
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.ok(!JSON.stringify(seen).includes('203.0.113.9'));
  });

  test('6: client-sent geo headers are not echoed back as the server’s own', async (r) => {
    const got = await wireRequest(`${r.url}/page`, {
      headers: { 'x-geo-country': 'XX', 'x-geo-info-available': 'true' },
    });
    assert.equal(got.headers['x-geo-country'], undefined);
    assert.equal(got.headers['x-geo-info-available'], 'false');
  });
});

describe('checklist 5: a trusted load balancer still cannot steer URLs to another host (Node)', () => {
  let server: NodeProxy;
  before(async () => {
    server = await startNodeProxy(spoofOrigin, {
      proxyToml: 'trusted_proxies = ["127.0.0.0/8"]\n',
    });
  });
  after(async () => {
    await server.close();
  });

  it('a forwarded host that is not configured falls back to publisher.domain', async () => {
    const urls = await writtenUrls(server.url, { 'x-forwarded-host': 'evil.example' });
    assert.ok(
      urls.links.every((link) => !link.includes('evil') && link.includes('www.publisher.test')),
      urls.links.join(' '),
    );
    assert.match(String(urls.location), /^http:\/\/www\.publisher\.test\/next$/);
  });

  it('believes the proto and the client address of the chain, skipping trusted hops', async () => {
    const urls = await writtenUrls(server.url, {
      forwarded: 'for=198.51.100.7;proto=https;host=localhost',
      'x-forwarded-for': '203.0.113.1, 198.51.100.7, 127.0.0.9',
    });
    assert.deepEqual(urls.links, ['https://localhost/story', '//localhost/i.png']);
    const seen = server.origin.seen.at(-1)?.headers ?? {};
    assert.equal(seen['x-forwarded-for'], '198.51.100.7');
  });
});

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('checklist 11: refused credentials give no oracle (Node)', () => {
  let origin: TestOrigin;
  let server: TestServer;
  before(async () => {
    origin = await startOrigin((_req, res) => res.end('protected content'));
    server = await startTestServer(testSettings(origin.url, SECURE_HANDLER));
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  /** Status, body and every header but Date: what a guesser can compare. */
  const observable = async (r: Pick<Runtime, 'url'>, authorization?: string) => {
    const got = await wireRequest(`${r.url}/secure/x`, {
      headers: authorization === undefined ? {} : { authorization },
    });
    const headers = Object.entries(got.headers).filter(([name]) => name !== 'date');
    return JSON.stringify({ status: got.status, headers, body: got.body.toString() });
  };

  it('wrong user, wrong password, prefixes, case and malformed headers look the same', async () => {
    const reference = await observable(server);
    assert.match(reference, /"status":401/);
    for (const authorization of [
      basic(`intruder:${PASSWORD}`),
      basic('editor:wrong'),
      basic('editor:'),
      basic(`edit:${PASSWORD}`),
      basic(`Editor:${PASSWORD}`),
      basic(`editor:${PASSWORD.slice(0, -1)}`),
      basic(`editor:${PASSWORD}x`),
      basic(`editor${PASSWORD}`),
      basic(`:${PASSWORD}`),
      `Basic ${'A'.repeat(4000)}`,
      'Basic !!!',
      `Bearer ${PASSWORD}`,
      'Basic',
    ]) {
      assert.equal(await observable(server, authorization), reference, authorization);
    }
    assert.equal(origin.seen.length, 0, 'a refused request reached the origin');
  });

  it('control: the right credentials pass', async () => {
    const got = await wireRequest(`${server.url}/secure/x`, {
      headers: { authorization: basic(`editor:${PASSWORD}`) },
    });
    assert.equal(got.body.toString(), 'protected content');
  });
});
