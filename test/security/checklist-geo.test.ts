/**
 * Security checklist item 6, location part: a client cannot say where it is. The headers CDNs use
 * to tell an origin a client's location are believed only from `proxy.trusted_proxies`, and from
 * anyone else they are neither believed (`x-geo-*` stays "unknown") nor passed on to the origin,
 * whatever `[geo] mode` is. On Node the trusted proxy connects from 127.0.0.2 and the stranger
 * from 127.0.0.1; the location headers themselves are never written to the logs.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { describeRuntimes, startNodeProxy, wireRequest, type NodeProxy } from './harness.ts';

const PROXY = '127.0.0.2';
const STRANGER = '127.0.0.1';

function okOrigin(_req: http.IncomingMessage, res: http.ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
}

/** Every location (and viewer-address) header the presets know, as a client might forge them. */
const FORGED: Record<string, string> = {
  'CF-IPCountry': 'US',
  'CF-Region-Code': 'TX',
  'CF-IPCity': 'Austin',
  'CF-IPLatitude': '30.27',
  'CF-IPLongitude': '-97.74',
  'CF-Postal-Code': '78701',
  'CF-Timezone': 'America/Chicago',
  'CloudFront-Viewer-Country': 'US',
  'CloudFront-Viewer-Country-Region': 'TX',
  'CloudFront-Viewer-ASN': '7922',
  'CloudFront-Viewer-Address': '203.0.113.9:443',
  'CloudFront-Viewer-JA4-Fingerprint': 't13d1516h2_8daaf6152771_02713d6af862',
  'X-Client-Geo-Country': 'US',
  'X-Client-Geo-Region': 'TX',
  'X-Client-Geo-ASN': '7922',
  CF_IPCountry: 'US',
  'X-Geo-Country': 'US',
};

function leakedTo(seen: http.IncomingHttpHeaders): string[] {
  const forged = new Set(Object.keys(FORGED).map((name) => name.toLowerCase()));
  return Object.keys(seen).filter((name) => forged.has(name));
}

describeRuntimes('checklist 6: forged location headers (no [geo])', okOrigin, (test) => {
  test('6: are not believed and never reach the origin', async (r) => {
    const got = await wireRequest(`${r.url}/page`, { headers: FORGED });
    assert.equal(got.status, 200);
    assert.equal(got.headers['x-geo-country'], undefined);
    assert.equal(got.headers['x-geo-info-available'], 'false');
    assert.deepEqual(leakedTo(r.origin.seen.at(-1)?.headers ?? {}), []);
  });
});

describe('checklist 6: forged location headers with [geo] mode = "headers" (Node)', () => {
  let server: NodeProxy;
  before(async () => {
    server = await startNodeProxy(okOrigin, {
      proxyToml: `trusted_proxies = ["${PROXY}"]\n`,
      extraToml:
        '[geo]\nmode = "headers"\npreset = "cloudflare"\nregion_header = "X-LB-Region"\n' +
        'asn_header = "X-LB-ASN"\n',
    });
  });
  after(() => server.close());

  it('a stranger sending the configured names is not believed, and they are not passed on', async () => {
    const got = await wireRequest(`${server.url}/page`, {
      localAddress: STRANGER,
      headers: { ...FORGED, 'X-LB-Region': 'TX', 'X-LB-ASN': '7922' },
    });
    assert.equal(got.headers['x-geo-info-available'], 'false');
    const seen = server.origin.seen.at(-1)?.headers ?? {};
    assert.deepEqual(leakedTo(seen), []);
    assert.equal(seen['x-lb-region'], undefined);
    assert.equal(seen['x-lb-asn'], undefined);
  });

  it('a stranger claiming, in X-Forwarded-For, to be the trusted proxy is still a stranger', async () => {
    const got = await wireRequest(`${server.url}/page`, {
      localAddress: STRANGER,
      headers: { 'x-forwarded-for': PROXY, 'CF-IPCountry': 'US' },
    });
    assert.equal(got.headers['x-geo-info-available'], 'false');
    assert.equal(server.origin.seen.at(-1)?.headers['cf-ipcountry'], undefined);
  });

  it('an underscore spelling is never read, not even from the trusted proxy', async () => {
    const got = await wireRequest(`${server.url}/page`, {
      localAddress: PROXY,
      headers: { CF_IPCountry: 'US' },
    });
    assert.equal(got.headers['x-geo-info-available'], 'false');
    assert.equal(server.origin.seen.at(-1)?.headers['cf_ipcountry'], undefined);
  });

  it('control: the trusted proxy is believed; no location or address lands in the logs', async () => {
    const got = await wireRequest(`${server.url}/page`, {
      localAddress: PROXY,
      headers: {
        'CF-IPCountry': 'US',
        'X-LB-Region': 'TX',
        'X-LB-ASN': '7922',
        'x-forwarded-for': '198.51.100.23',
      },
    });
    assert.equal(got.headers['x-geo-country'], 'US');
    assert.equal(got.headers['x-geo-region'], 'TX');
    assert.equal(got.headers['x-geo-asn'], '7922');
    const logs = server.logs.join('\n');
    for (const value of ['198.51.100.23', '7922', 'Austin', '"TX"', '"US"']) {
      assert.ok(!logs.includes(value), `${value} was logged`);
    }
  });
});
