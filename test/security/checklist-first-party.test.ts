/**
 * The first-party proxy against someone trying to use it as an open proxy into the operator's
 * network: every URL below is validly signed (signing is not the barrier: the rewriter signs
 * bidders' markup, and /first-party/sign signs what a page asks), on a server configured as in
 * production (`allow_private_targets` off, open mode: no `allowed_domains`). None may reach a
 * socket: a listener on loopback counts connections and must see none.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signTarget } from '../../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../../src/core/first-party/token.ts';
import { Secret } from '../../src/core/settings/secret.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SECRET_PROXY, testSettings } from '../helpers/settings.ts';

const signer = createProxyTokenSigner(new Secret(SECRET_PROXY));

describe('checklist: the first-party proxy is no open proxy', () => {
  let server: TestServer;
  let listener: http.Server;
  let connections = 0;
  let port = 0;

  before(async () => {
    listener = http.createServer((_req, res) => res.end('internal service'));
    listener.on('connection', () => connections++);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as AddressInfo).port;
    server = await startTestServer(testSettings());
  });
  after(async () => {
    await server.close();
    await new Promise((resolve) => listener.close(resolve));
  });

  const proxy = async (target: string) => {
    const href = (await signTarget(signer, target))?.href ?? assert.fail(`unsigned ${target}`);
    const response = await fetch(server.url + href);
    return { status: response.status, body: (await response.text()).trim() };
  };

  // The WHATWG parser normalises every IPv4 spelling to dotted decimal before anything judges it.
  const hostile: [string, string, RegExp][] = [
    ['the metadata service', 'https://169.254.169.254/latest/meta-data/', /link-local address/],
    ['the metadata service over http', 'http://169.254.169.254/latest/meta-data/', /must be https/],
    ['IPv6 loopback', `https://[::1]:PORT/`, /\[::1\] is a loopback address/],
    ['IPv4-mapped IPv6 loopback', `https://[::ffff:127.0.0.1]:PORT/`, /loopback address/],
    ['0.0.0.0', `https://0.0.0.0:PORT/`, /unspecified address/],
    ['decimal IPv4 (2130706433)', `https://2130706433:PORT/`, /127\.0\.0\.1 is a loopback/],
    ['octal IPv4 (0177.0.0.1)', `https://0177.0.0.1:PORT/`, /127\.0\.0\.1 is a loopback/],
    ['hex IPv4 (0x7f.1)', `https://0x7f.1:PORT/`, /127\.0\.0\.1 is a loopback/],
    ['a private network address', 'https://10.0.0.5/admin', /private address/],
    ['carrier-grade NAT', 'https://100.64.0.1/', /carrier-grade NAT address/],
    ['IPv6 unique local (AWS metadata)', 'https://[fd00:ec2::254]/', /unique local address/],
    ['IPv6 link-local', 'https://[fe80::1]/', /link-local address/],
    ['multicast', 'https://224.0.0.1/', /multicast address/],
    ['a name resolving to loopback', `https://localhost:PORT/`, /localhost resolves to a loopback/],
    ['plain http to loopback', `http://127.0.0.1:PORT/`, /must be https/],
    ['credentials in the URL', `https://user:pass@localhost:PORT/`, /carries credentials/],
    ['file:', 'file:///etc/passwd', /must be https/],
    ['ftp:', 'ftp://127.0.0.1/', /must be https/],
    ['gopher:', `gopher://127.0.0.1:PORT/_GET`, /must be https/],
  ];
  for (const [name, template, reason] of hostile) {
    it(`refuses ${name}`, async () => {
      const before = connections;
      const { status, body } = await proxy(template.replace('PORT', String(port)));
      assert.equal(status, 403, body);
      assert.match(body, reason);
      assert.equal(body.split('\n').length, 1);
      assert.equal(connections, before, 'a connection was opened');
    });
  }

  it('signs none of them at /first-party/sign either (but names: it does not resolve them)', async () => {
    for (const [, template, reason] of hostile) {
      if (reason.source.includes('resolves')) continue;
      const url = template.replace('PORT', String(port));
      const response = await fetch(`${server.url}/first-party/sign`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      });
      assert.ok(response.status === 400 || response.status === 403, `${url}: ${response.status}`);
      await response.body?.cancel();
    }
  });

  it('never fetches an unsigned target: tsurl alone is refused', async () => {
    const before = connections;
    const response = await fetch(
      `${server.url}/first-party/proxy?tsurl=${encodeURIComponent(`https://localhost:${port}/`)}`,
    );
    assert.equal(response.status, 400);
    assert.equal(connections, before);
  });

  it('logs no refused address detail to the client beyond the host and the kind', async () => {
    const { body } = await proxy(`https://localhost:${port}/`);
    assert.ok(!body.includes('127.0.0.1') && !body.includes('::1'), body);
  });
});
