/**
 * Geo on Cloudflare: `request.cf` mapped to core's GeoInfo (country, subdivision code, ASN), and
 * the same seen end to end in a real workerd, whose socket is told to fill `request.cf` from a
 * test header the way Cloudflare's edge would.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildWorker } from '../src/build/worker.ts';
import { startWorkerd, type RunningWorkerd } from '../src/build/workerd.ts';
import { workersGeo } from '../src/cloudflare/services.ts';
import { startOrigin, type TestOrigin } from './helpers/origin.ts';
import { baseToml } from './helpers/settings.ts';

function withCf(cf: Record<string, unknown> | undefined): Request {
  const request = new Request('https://www.publisher.test/');
  if (cf !== undefined) Object.defineProperty(request, 'cf', { value: cf });
  return request;
}

const TEXAS = {
  country: 'US',
  region: 'Texas',
  regionCode: 'TX',
  city: 'Austin',
  continent: 'NA',
  latitude: '30.27130',
  longitude: '-97.74260',
  metroCode: '635',
  asn: 7922,
  asOrganization: 'Comcast',
};

describe('Cloudflare request.cf → GeoInfo', () => {
  it('maps country, subdivision code (not the name), ASN and the rest', () => {
    assert.deepEqual(workersGeo(withCf(TEXAS)), {
      country: 'US',
      region: 'TX',
      asn: 7922,
      city: 'Austin',
      continent: 'NA',
      latitude: 30.2713,
      longitude: -97.7426,
      metroCode: 635,
    });
  });

  it("treats Cloudflare's XX (unknown) and T1 (Tor) as no geo at all", () => {
    for (const country of ['XX', 'T1', '', undefined]) {
      assert.equal(workersGeo(withCf({ ...TEXAS, country })), null, String(country));
    }
    assert.equal(workersGeo(withCf(undefined)), null);
  });

  it('drops a malformed region code or ASN and keeps the country', () => {
    assert.deepEqual(workersGeo(withCf({ country: 'DE', regionCode: 'Bavaria', asn: 0 })), {
      country: 'DE',
    });
  });
});

describe('Cloudflare geo in workerd (request.cf from the edge)', () => {
  const CF_HEADER = 'x-test-cf-blob';
  let dir: string;
  let origin: TestOrigin;
  let workerd: RunningWorkerd;

  before(async () => {
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    dir = await mkdtemp(join(tmpdir(), 'ts-cf-geo-'));
    const config = join(dir, 'trusted-server.toml');
    await writeFile(
      config,
      baseToml(
        'http://www.origin.test',
        `[proxy]\norigin_address = "${origin.url.slice('http://'.length)}"\n`,
      ),
    );
    const built = await buildWorker({ config, outDir: dir });
    workerd = await startWorkerd({ ...built, cfBlobHeader: CF_HEADER });
  });
  after(async () => {
    await workerd?.close();
    await origin?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers with the country, region code and ASN Cloudflare reported', async () => {
    const response = await fetch(`${workerd.url}/page`, {
      headers: { [CF_HEADER]: JSON.stringify(TEXAS) },
    });
    await response.arrayBuffer();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-geo-country'), 'US');
    assert.equal(response.headers.get('x-geo-region'), 'TX');
    assert.equal(response.headers.get('x-geo-asn'), '7922');
    assert.equal(response.headers.get('x-geo-info-available'), 'true');
  });

  it('has no geo for a client Cloudflare could not place', async () => {
    const response = await fetch(`${workerd.url}/page`, {
      headers: { [CF_HEADER]: JSON.stringify({ country: 'XX', asn: 7922 }) },
    });
    await response.arrayBuffer();
    assert.equal(response.headers.get('x-geo-country'), null);
    assert.equal(response.headers.get('x-geo-asn'), null);
    assert.equal(response.headers.get('x-geo-info-available'), 'false');
  });
});
