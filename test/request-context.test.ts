import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAddress, parseAddressRange, rangeContains } from '../src/core/http/ip.ts';
import {
  buildHostMatcher,
  buildTrustedProxies,
  firstPartyHost,
  resolveRequestContext,
} from '../src/core/http/request-context.ts';
import { removeHopByHop } from '../src/core/http/hop-by-hop.ts';
import { testSettings } from './helpers/settings.ts';

describe('IP ranges', () => {
  it('parses IPv4, IPv6 and mapped forms and matches CIDR ranges', () => {
    const v4 = parseAddressRange('10.0.0.0/8')!;
    assert.ok(rangeContains(v4, parseAddress('10.200.3.4')!));
    assert.ok(rangeContains(v4, parseAddress('::ffff:10.1.2.3')!));
    assert.ok(!rangeContains(v4, parseAddress('11.0.0.1')!));
    const v6 = parseAddressRange('2001:db8::/32')!;
    assert.ok(rangeContains(v6, parseAddress('2001:db8:ffff::1')!));
    assert.ok(!rangeContains(v6, parseAddress('2001:db9::1')!));
    assert.ok(rangeContains(parseAddressRange('::1')!, parseAddress('0:0:0:0:0:0:0:1')!));
    for (const bad of [
      '10.0.0.256',
      '1.2.3',
      '10.0.0.0/33',
      '::1::2',
      'example.com',
      '1:2:3:4:5:6:7:8:9',
    ]) {
      assert.equal(parseAddressRange(bad), undefined, bad);
    }
  });
});

describe('first-party host', () => {
  const settings = testSettings(undefined, '', {
    TRUSTED_SERVER__PUBLISHER__HOSTS: '["localhost","edge.publisher.test:8443"]',
  });
  const matcher = buildHostMatcher(settings);

  it('serves a configured host as requested (any port unless one is pinned), else the domain', () => {
    assert.equal(firstPartyHost('LOCALHOST:8080', matcher), 'localhost:8080');
    assert.equal(firstPartyHost('www.publisher.test', matcher), 'www.publisher.test');
    assert.equal(firstPartyHost('edge.publisher.test:8443', matcher), 'edge.publisher.test:8443');
    assert.equal(firstPartyHost('edge.publisher.test:9999', matcher), 'www.publisher.test');
    for (const spoof of [
      'evil.test',
      'www.publisher.test.evil.test',
      'localhost:80@evil',
      'localhost:x',
      '',
      null,
    ]) {
      assert.equal(firstPartyHost(spoof, matcher), 'www.publisher.test', String(spoof));
    }
  });

  it('takes the scheme from TLS, or from a trusted proxy only', () => {
    const trusted = buildTrustedProxies(
      testSettings(undefined, '', { TRUSTED_SERVER__PROXY__TRUSTED_PROXIES: '10.0.0.0/8' }),
    );
    const request = new Request('http://x/', {
      headers: { host: 'localhost', 'x-forwarded-proto': 'https', forwarded: 'proto=https' },
    });
    const direct = resolveRequestContext(
      request,
      { remoteAddress: '198.51.100.1', tls: false },
      matcher,
      trusted,
    );
    assert.equal(direct.scheme, 'http');
    assert.equal(direct.clientIp, '198.51.100.1');
    assert.equal(direct.headers.get('x-forwarded-proto'), null);
    const viaProxy = resolveRequestContext(
      request,
      { remoteAddress: '10.1.1.1', tls: false },
      matcher,
      trusted,
    );
    assert.equal(viaProxy.scheme, 'https');
    const tls = resolveRequestContext(
      request,
      { remoteAddress: '198.51.100.1', tls: true },
      matcher,
      trusted,
    );
    assert.equal(tls.scheme, 'https');
  });

  it('walks X-Forwarded-For past trusted hops only', () => {
    const trusted = buildTrustedProxies(
      testSettings(undefined, '', { TRUSTED_SERVER__PROXY__TRUSTED_PROXIES: '["10.0.0.0/8"]' }),
    );
    const context = (xff: string, peer: string) =>
      resolveRequestContext(
        new Request('http://x/', { headers: { 'x-forwarded-for': xff } }),
        { remoteAddress: peer, tls: false },
        matcher,
        trusted,
      ).clientIp;
    assert.equal(context('203.0.113.5, 10.0.0.2', '10.0.0.1'), '203.0.113.5');
    assert.equal(
      context('1.1.1.1, 203.0.113.5', '10.0.0.1'),
      '203.0.113.5',
      'a client-written hop is not believed',
    );
    assert.equal(context('garbage, 10.0.0.2', '10.0.0.1'), '10.0.0.2');
    assert.equal(context('203.0.113.5', '198.51.100.1'), '198.51.100.1', 'untrusted peer');
    assert.equal(context('[2001:db8::1]:443', '::ffff:10.0.0.1'), '2001:db8::1');
  });
});

describe('hop-by-hop fields', () => {
  it('removes the fixed set and whatever Connection names', () => {
    const headers = new Headers({
      connection: 'keep-alive, X-Private, , x-other',
      'x-private': '1',
      'x-other': '2',
      'keep-alive': 'timeout=1',
      'transfer-encoding': 'chunked',
      upgrade: 'h2c',
      te: 'trailers',
      'x-kept': '3',
    });
    removeHopByHop(headers);
    assert.deepEqual([...headers.keys()], ['x-kept']);
  });
});
