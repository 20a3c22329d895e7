/**
 * `[geo]` as an operator writes it: each mode's keys, defaults, normalisation, and a refusal that
 * names the key for every mistake (including keys the chosen mode would not read).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadSettings } from '../src/core/settings/load-settings.ts';
import { baseToml, testSettings } from './helpers/settings.ts';

function problems(geoToml: string): string[] {
  try {
    loadSettings(baseToml(undefined, `[geo]\n${geoToml}\n`), { source: 'ts.toml' });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return [...error.problems];
  }
  assert.fail(`expected [geo] ${JSON.stringify(geoToml)} to be rejected`);
}

/** A CDN in front, so `headers` mode has someone to believe. */
const TRUSTED = '[proxy]\ntrusted_proxies = ["10.0.0.0/8"]\n';

describe('[geo] settings', () => {
  it('defaults to mode "none" when the section is absent', () => {
    assert.deepEqual(testSettings().geo, { mode: 'none' });
  });

  it('reads each mode, normalising names and codes', () => {
    const headers = testSettings(
      undefined,
      '[geo]\nmode = "headers"\npreset = "cloudflare"\nasn_header = "X-Client-ASN"\n' + TRUSTED,
    );
    assert.deepEqual(headers.geo, {
      mode: 'headers',
      preset: 'cloudflare',
      asn_header: 'x-client-asn',
    });
    const custom = testSettings(
      undefined,
      '[geo]\nmode = "headers"\npreset = "custom"\ncountry_header = "X-Country"\n' + TRUSTED,
    );
    assert.deepEqual(custom.geo, {
      mode: 'headers',
      preset: 'custom',
      country_header: 'x-country',
    });
    const mmdb = testSettings(
      undefined,
      '[geo]\nmode = "mmdb"\nmmdb_path = "/srv/GeoLite2-City.mmdb"\nasn_mmdb_path = "/srv/GeoLite2-ASN.mmdb"\n',
    );
    assert.deepEqual(mmdb.geo, {
      mode: 'mmdb',
      mmdb_path: '/srv/GeoLite2-City.mmdb',
      asn_mmdb_path: '/srv/GeoLite2-ASN.mmdb',
    });
    const fixed = testSettings(
      undefined,
      '[geo]\nmode = "fixed"\ncountry = "us"\nregion = "US-ca"\n',
    );
    assert.deepEqual(fixed.geo, { mode: 'fixed', country: 'US', region: 'CA' });
  });

  it('takes environment overrides like any section', () => {
    const settings = testSettings(undefined, '', {
      TRUSTED_SERVER__GEO__MODE: 'fixed',
      TRUSTED_SERVER__GEO__COUNTRY: 'fr',
    });
    assert.deepEqual(settings.geo, { mode: 'fixed', country: 'FR' });
  });

  const REFUSED: Array<[string, string, RegExp]> = [
    [
      'headers mode with no trusted proxy to believe',
      'mode = "headers"\npreset = "cloudflare"',
      /^geo\.mode: "headers" believes only peers in proxy\.trusted_proxies/,
    ],
    ['a misspelt mode', 'mode = "header"', /^geo\.mode: .*did you mean "headers"/],
    [
      'a misspelt key',
      'mode = "fixed"\ncontry = "DE"',
      /^geo\.contry: unknown key; did you mean "country"/,
    ],
    [
      'headers without a preset',
      'mode = "headers"',
      /^geo\.preset: required when geo\.mode = "headers"/,
    ],
    [
      'an unknown preset',
      'mode = "headers"\npreset = "akamai"',
      /^geo\.preset: expected one of "cloudflare", "cloudfront", "fastly", "custom"/,
    ],
    [
      'custom without a country header',
      'mode = "headers"\npreset = "custom"',
      /^geo\.country_header: required when geo\.preset = "custom"/,
    ],
    [
      'a header name with a space',
      'mode = "headers"\npreset = "custom"\ncountry_header = "X Country"',
      /^geo\.country_header: must be an HTTP header name/,
    ],
    [
      'a header the proxy needs for something else',
      'mode = "headers"\npreset = "custom"\ncountry_header = "Host"',
      /^geo\.country_header: "Host" already means something else in HTTP/,
    ],
    ['mmdb without a path', 'mode = "mmdb"', /^geo\.mmdb_path: required when geo\.mode = "mmdb"/],
    [
      'fixed without a country',
      'mode = "fixed"',
      /^geo\.country: required when geo\.mode = "fixed"/,
    ],
    [
      'a country that is not ISO 3166-1',
      'mode = "fixed"\ncountry = "XX"',
      /^geo\.country: must be an ISO 3166-1 alpha-2 country code.*"XX"/,
    ],
    [
      'a full country name',
      'mode = "fixed"\ncountry = "Germany"',
      /^geo\.country: must be an ISO 3166-1/,
    ],
    [
      'a malformed region',
      'mode = "fixed"\ncountry = "US"\nregion = "California"',
      /^geo\.region: must be an ISO 3166-2 subdivision code of US/,
    ],
    [
      "another country's region",
      'mode = "fixed"\ncountry = "US"\nregion = "DE-BY"',
      /^geo\.region: must be an ISO 3166-2 subdivision code of US/,
    ],
    [
      'a fixed country under mode "none"',
      'country = "DE"',
      /^geo\.country: only read when geo\.mode = "fixed" \(geo\.mode is "none"\)/,
    ],
    [
      'a database path under mode "headers"',
      'mode = "headers"\npreset = "cloudflare"\nmmdb_path = "/x.mmdb"',
      /^geo\.mmdb_path: only read when geo\.mode = "mmdb"/,
    ],
    [
      'a header name under mode "mmdb"',
      'mode = "mmdb"\nmmdb_path = "/x.mmdb"\ncountry_header = "x-country"',
      /^geo\.country_header: only read when geo\.mode = "headers"/,
    ],
  ];
  for (const [name, toml, expected] of REFUSED) {
    it(`refuses ${name}, naming the key`, () => {
      const found = problems(toml);
      assert.ok(
        found.some((problem) => expected.test(problem)),
        `${expected} not in:\n${found.join('\n')}`,
      );
    });
  }
});
