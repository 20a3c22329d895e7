/**
 * `[geo]` on the Node adapter, over real sockets: what a client's response says about where it is
 * (`x-geo-*`), for each mode. The trusted proxy and the stranger are both on loopback: the proxy
 * connects from 127.0.0.2, the stranger from 127.0.0.1. The MaxMind databases are built by the
 * test's own writer (test/helpers/mmdb-writer.ts) and read by the real `maxmind` package.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ConfigError } from '../src/core/settings/load-settings.ts';
import { asnRecord, buildMmdb, cityRecord } from './helpers/mmdb-writer.ts';
import { startOrigin, type TestOrigin } from './helpers/origin.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { baseToml, testSettings } from './helpers/settings.ts';
import { wireRequest } from './security/harness.ts';

const PROXY = '127.0.0.2';
const STRANGER = '127.0.0.1';

interface GeoServer {
  server: TestServer;
  origin: TestOrigin;
  close(): Promise<void>;
}

async function startGeoServer(toml: string): Promise<GeoServer> {
  const origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  try {
    const server = await startTestServer(testSettings(origin.url, toml));
    return {
      server,
      origin,
      close: async () => {
        await server.close();
        await origin.close();
      },
    };
  } catch (error) {
    await origin.close();
    throw error;
  }
}

/** The response's geo headers, and what the origin was sent. */
async function ask(
  target: GeoServer,
  from: string,
  headers: Record<string, string | string[]> = {},
): Promise<{ geo: Record<string, string>; originSaw: Record<string, unknown> }> {
  const response = await wireRequest(`${target.server.url}/page`, { localAddress: from, headers });
  assert.equal(response.status, 200);
  const geo: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (name.startsWith('x-geo-') && typeof value === 'string') geo[name] = value;
  }
  return { geo, originSaw: { ...target.origin.seen.at(-1)?.headers } };
}

const UNKNOWN = { 'x-geo-info-available': 'false' };

describe('[geo] mode = "none" (the default)', () => {
  let target: GeoServer;
  before(async () => {
    target = await startGeoServer(`[proxy]\ntrusted_proxies = ["${PROXY}"]\n`);
  });
  after(() => target.close());

  it('knows nothing, even when a trusted CDN sends its location headers', async () => {
    const { geo, originSaw } = await ask(target, PROXY, { 'cf-ipcountry': 'DE' });
    assert.deepEqual(geo, UNKNOWN);
    // From the CDN itself they pass on to the origin untouched.
    assert.equal(originSaw['cf-ipcountry'], 'DE');
  });
});

describe('[geo] mode = "headers" (Node, real sockets)', () => {
  const PRESETS: Array<[string, string, Record<string, string>]> = [
    [
      'cloudflare (+ an ASN header from a Transform Rule)',
      'preset = "cloudflare"\nasn_header = "X-Client-ASN"',
      { 'CF-IPCountry': 'US', 'cf-region-code': 'CA', 'x-client-asn': '7922' },
    ],
    [
      'cloudfront',
      'preset = "cloudfront"',
      {
        'CloudFront-Viewer-Country': 'US',
        'CloudFront-Viewer-Country-Region': 'CA',
        'CloudFront-Viewer-ASN': '7922',
      },
    ],
    [
      'fastly (the documented snippet names)',
      'preset = "fastly"',
      { 'x-client-geo-country': 'US', 'x-client-geo-region': 'CA', 'x-client-geo-asn': '7922' },
    ],
    [
      'custom names',
      'preset = "custom"\ncountry_header = "X-LB-Country"\nregion_header = "X-LB-Region"\nasn_header = "X-LB-ASN"',
      { 'x-lb-country': 'US', 'x-lb-region': 'CA', 'x-lb-asn': 'AS7922' },
    ],
  ];

  for (const [name, presetToml, headers] of PRESETS) {
    describe(name, () => {
      let target: GeoServer;
      before(async () => {
        target = await startGeoServer(
          `[proxy]\ntrusted_proxies = ["${PROXY}"]\n[geo]\nmode = "headers"\n${presetToml}\n`,
        );
      });
      after(() => target.close());

      it('believes country, region and ASN from the trusted proxy', async () => {
        const { geo } = await ask(target, PROXY, headers);
        assert.deepEqual(geo, {
          'x-geo-country': 'US',
          'x-geo-region': 'CA',
          'x-geo-asn': '7922',
          'x-geo-info-available': 'true',
        });
      });

      it('ignores the same headers from anyone else, and does not pass them on', async () => {
        const { geo, originSaw } = await ask(target, STRANGER, headers);
        assert.deepEqual(geo, UNKNOWN);
        for (const header of Object.keys(headers)) {
          assert.equal(originSaw[header.toLowerCase()], undefined, `${header} reached the origin`);
        }
      });
    });
  }

  describe('values that are not what they claim', () => {
    let target: GeoServer;
    before(async () => {
      target = await startGeoServer(
        `[proxy]\ntrusted_proxies = ["${PROXY}"]\n[geo]\nmode = "headers"\npreset = "cloudfront"\n`,
      );
    });
    after(() => target.close());

    const country = 'cloudfront-viewer-country';
    const region = 'cloudfront-viewer-country-region';
    const asn = 'cloudfront-viewer-asn';

    it('no country (or not an ISO one) means unknown, whatever else is sent', async () => {
      for (const value of ['', 'XX', 'T1', 'ZZ', 'EU', 'Germany', 'D', 'DE1']) {
        const { geo } = await ask(target, PROXY, {
          [country]: value,
          [region]: 'BY',
          [asn]: '3320',
        });
        assert.deepEqual(geo, UNKNOWN, `country ${JSON.stringify(value)}`);
      }
      assert.deepEqual((await ask(target, PROXY, { [region]: 'BY' })).geo, UNKNOWN);
    });

    it('two country headers disagreeing are not believed', async () => {
      const { geo } = await ask(target, PROXY, { [country]: ['DE', 'US'] });
      assert.deepEqual(geo, UNKNOWN);
    });

    it('a bad region or ASN is dropped on its own; the country stands', async () => {
      const { geo } = await ask(target, PROXY, {
        [country]: 'de',
        [region]: 'Bavaria',
        [asn]: 'AS-ABC',
      });
      assert.deepEqual(geo, { 'x-geo-country': 'DE', 'x-geo-info-available': 'true' });
      const mismatch = await ask(target, PROXY, { [country]: 'DE', [region]: 'US-CA', [asn]: '0' });
      assert.deepEqual(mismatch.geo, { 'x-geo-country': 'DE', 'x-geo-info-available': 'true' });
      const prefixed = await ask(target, PROXY, { [country]: 'DE', [region]: 'de-by' });
      assert.equal(prefixed.geo['x-geo-region'], 'BY');
    });
  });

  it('refuses to start without proxy.trusted_proxies, naming both keys', async () => {
    await assert.rejects(
      startGeoServer('[geo]\nmode = "headers"\npreset = "cloudflare"\n'),
      (error: unknown) =>
        error instanceof ConfigError &&
        /geo\.mode: "headers" believes only peers in proxy\.trusted_proxies/.test(error.message),
    );
  });
});

describe('[geo] mode = "mmdb" (Node, real sockets, a generated MaxMind database)', () => {
  let dir: string;
  let cityPath: string;
  let asnPath: string;
  let target: GeoServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-geo-mmdb-'));
    cityPath = join(dir, 'GeoLite2-City.mmdb');
    asnPath = join(dir, 'GeoLite2-ASN.mmdb');
    await writeFile(
      cityPath,
      buildMmdb(
        [
          {
            network: '81.2.69.0/24',
            record: cityRecord({
              country: 'GB',
              subdivision: 'ENG',
              city: 'London',
              continent: 'EU',
              latitude: 51.5142,
              longitude: -0.0931,
            }),
          },
          { network: '2001:db8:1::/48', record: cityRecord({ country: 'DE', subdivision: 'BY' }) },
          { network: '198.51.100.0/24', record: cityRecord({ country: 'US', subdivision: 'CA' }) },
          // A record whose country is not one: treated as unknown.
          { network: '192.0.2.0/24', record: cityRecord({ country: 'XX' }) },
        ],
        { databaseType: 'GeoLite2-City' },
      ),
    );
    await writeFile(
      asnPath,
      buildMmdb(
        [
          { network: '81.2.69.0/24', record: asnRecord(20712, 'Andrews & Arnold Ltd') },
          { network: '2001:db8::/32', record: asnRecord(3320, 'Deutsche Telekom AG') },
        ],
        { databaseType: 'GeoLite2-ASN' },
      ),
    );
    target = await startGeoServer(
      `[proxy]\ntrusted_proxies = ["${PROXY}"]\n[geo]\nmode = "mmdb"\n` +
        `mmdb_path = "${cityPath}"\nasn_mmdb_path = "${asnPath}"\n`,
    );
  });
  after(async () => {
    await target.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('looks up the client a trusted proxy names, with the ASN from the second database', async () => {
    const { geo } = await ask(target, PROXY, { 'x-forwarded-for': '81.2.69.160' });
    assert.deepEqual(geo, {
      'x-geo-city': 'London',
      'x-geo-country': 'GB',
      'x-geo-continent': 'EU',
      'x-geo-coordinates': '51.5142,-0.0931',
      'x-geo-region': 'ENG',
      'x-geo-asn': '20712',
      'x-geo-info-available': 'true',
    });
  });

  it('finds IPv6 clients', async () => {
    const { geo } = await ask(target, PROXY, { 'x-forwarded-for': '2001:db8:1:2::7, 10.0.0.1' });
    // 10.0.0.1 is the nearest hop but not trusted: it is the client, and unknown.
    assert.deepEqual(geo, UNKNOWN);
    const direct = await ask(target, PROXY, { 'x-forwarded-for': '2001:db8:1:2::7' });
    assert.deepEqual(direct.geo, {
      'x-geo-country': 'DE',
      'x-geo-region': 'BY',
      'x-geo-asn': '3320',
      'x-geo-info-available': 'true',
    });
  });

  it('an address in neither database, or with no real country, is unknown', async () => {
    for (const address of ['203.0.113.9', '192.0.2.44', '2001:db9::1']) {
      const { geo } = await ask(target, PROXY, { 'x-forwarded-for': address });
      assert.deepEqual(geo, UNKNOWN, address);
    }
  });

  it('a stranger cannot claim an address: its own (loopback) is looked up', async () => {
    const { geo, originSaw } = await ask(target, STRANGER, { 'x-forwarded-for': '81.2.69.160' });
    assert.deepEqual(geo, UNKNOWN);
    assert.equal(originSaw['x-forwarded-for'], STRANGER);
  });

  it('refuses to start when a database is missing, naming the key and the cause', async () => {
    const missing = join(dir, 'absent.mmdb');
    await assert.rejects(
      startGeoServer(`[geo]\nmode = "mmdb"\nmmdb_path = "${missing}"\n`),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some(
          (problem) => problem === `geo.mmdb_path: cannot open "${missing}": no such file`,
        ),
    );
    await assert.rejects(
      startGeoServer(`[geo]\nmode = "mmdb"\nmmdb_path = "${cityPath}"\nasn_mmdb_path = "${dir}"\n`),
      /geo\.asn_mmdb_path: cannot open ".*": it is a directory/,
    );
  });

  it('`serve` stops with that message on stderr and exit code 1, before listening', async () => {
    const config = join(dir, 'missing-db.toml');
    const missing = join(dir, 'absent.mmdb');
    await writeFile(
      config,
      baseToml(undefined, `[geo]\nmode = "mmdb"\nmmdb_path = "${missing}"\n`),
    );
    const bin = fileURLToPath(new URL('../bin/trusted-server.js', import.meta.url));
    const result = await promisify(execFile)(process.execPath, [
      bin,
      'serve',
      '--config',
      config,
      '--port',
      '0',
    ]).then(
      () => assert.fail('serve started with a missing database'),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /geo\.mmdb_path: cannot open ".*absent\.mmdb": no such file/);
    assert.doesNotMatch(result.stdout, /listening/);
  });

  it('refuses a file that is not a MaxMind database, and an ASN database in place of a city one', async () => {
    const garbage = join(dir, 'garbage.mmdb');
    await writeFile(garbage, Buffer.from('this is not a MaxMind database'.repeat(20)));
    await assert.rejects(
      startGeoServer(`[geo]\nmode = "mmdb"\nmmdb_path = "${garbage}"\n`),
      (error: unknown) =>
        error instanceof ConfigError &&
        /^geo\.mmdb_path: cannot open ".*garbage\.mmdb": not a MaxMind DB file/.test(
          error.problems[0] ?? '',
        ),
    );
    const truncated = join(dir, 'truncated.mmdb');
    const whole = buildMmdb([{ network: '81.2.69.0/24', record: cityRecord({ country: 'GB' }) }], {
      databaseType: 'GeoLite2-City',
    });
    await writeFile(truncated, whole.subarray(0, 200));
    await assert.rejects(
      startGeoServer(`[geo]\nmode = "mmdb"\nmmdb_path = "${truncated}"\n`),
      /geo\.mmdb_path: cannot open ".*truncated\.mmdb": not a MaxMind DB file/,
    );
    // Intact metadata, a search tree overwritten: caught by the start-up probe, not a request.
    const damaged = join(dir, 'damaged.mmdb');
    const copy = Buffer.from(whole);
    copy.fill(0xff, 0, 600);
    await writeFile(damaged, copy);
    await assert.rejects(
      startGeoServer(`[geo]\nmode = "mmdb"\nmmdb_path = "${damaged}"\n`),
      /geo\.mmdb_path: ".*damaged\.mmdb" is a damaged MaxMind DB file/,
    );
    await assert.rejects(
      startGeoServer(`[geo]\nmode = "mmdb"\nmmdb_path = "${asnPath}"\n`),
      /geo\.mmdb_path: ".*GeoLite2-ASN\.mmdb" is a GeoLite2-ASN database, which has no countries/,
    );
  });
});

describe('[geo] mode = "fixed"', () => {
  let target: GeoServer;
  before(async () => {
    target = await startGeoServer(
      `[proxy]\ntrusted_proxies = ["${PROXY}"]\n[geo]\nmode = "fixed"\ncountry = "US"\nregion = "CA"\n`,
    );
  });
  after(() => target.close());

  it('puts every client in the configured place, whatever the request says', async () => {
    for (const from of [PROXY, STRANGER]) {
      const { geo } = await ask(target, from, {
        'cf-ipcountry': 'DE',
        'x-forwarded-for': '81.2.69.160',
      });
      assert.deepEqual(geo, {
        'x-geo-country': 'US',
        'x-geo-region': 'CA',
        'x-geo-info-available': 'true',
      });
    }
  });
});
