/**
 * Integration tables at upstream HEAD: new keys on prebid, aps, gpt, didomi, adserver_mock and
 * datadome; the new sourcepoint, osano and gpt_diagnostics; strings never reinterpreted as JSON.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadSettings } from '../src/core/settings/load-settings.ts';
import { baseToml, testSettings } from './helpers/settings.ts';

function problems(extra: string, env: Record<string, string> = {}): string[] {
  try {
    loadSettings(baseToml(undefined, extra), { source: 'ts.toml', env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.problems.map((line) => line.replace(/ \(ts\.toml:\d+\)$/, ''));
  }
  assert.fail('expected the configuration to be rejected');
}

const PREBID = '[integrations.prebid]\nserver_url = "https://pbs.example/openrtb2/auction"\n';

describe('[integrations.aps]', () => {
  it('takes account_id, defaults to the OpenRTB endpoint, and reads pub_id as its old name', () => {
    const settings = testSettings(
      undefined,
      '[integrations.aps]\nenabled = true\naccount_id = "acc-1"\n',
    );
    assert.equal(settings.integrations.aps?.account_id, 'acc-1');
    assert.equal(
      settings.integrations.aps?.endpoint,
      'https://web.ads.aps.amazon-adsystem.com/e/pb/bid',
    );
    assert.equal(settings.integrations.aps?.allow_script_creatives, false);
    assert.ok(!('pub_id' in (settings.integrations.aps ?? {})));
    const legacy = testSettings(undefined, '[integrations.aps]\nenabled = true\npub_id = 5555\n');
    assert.equal(legacy.integrations.aps?.account_id, '5555');
  });

  it('refuses both spellings at once, and no account at all', () => {
    assert.deepEqual(
      problems('[integrations.aps]\nenabled = true\naccount_id = "a"\npub_id = "b"\n'),
      ['integrations.aps.pub_id: is the old name of account_id: give only account_id'],
    );
    assert.deepEqual(problems('[integrations.aps]\nenabled = true\n'), [
      'integrations.aps.account_id: missing required string or integer',
    ]);
  });

  it('refuses the legacy /e/dtb/bid endpoint and says what to use', () => {
    const [message] = problems(
      '[integrations.aps]\nenabled = true\naccount_id = "a"\nendpoint = "https://aax.amazon-adsystem.com/e/dtb/bid"\n',
    );
    assert.match(
      message ?? '',
      /^integrations\.aps\.endpoint: the legacy APS endpoint \/e\/dtb\/bid is not supported: use the OpenRTB endpoint …\/e\/pb\/bid/,
    );
  });

  it('takes inventory_domain and inventory_page_origin only together and consistent', () => {
    assert.deepEqual(
      problems(
        '[integrations.aps]\nenabled = true\naccount_id = "a"\ninventory_domain = "pub.example"\n',
      ),
      [
        'integrations.aps.inventory_page_origin: inventory_domain and inventory_page_origin go together: set both or neither',
      ],
    );
    assert.deepEqual(
      problems(
        '[integrations.aps]\nenabled = true\naccount_id = "a"\ninventory_domain = "pub.example"\ninventory_page_origin = "https://www.other.example"\n',
      ),
      [
        'integrations.aps.inventory_page_origin: host "www.other.example" is not within "pub.example"',
      ],
    );
    const ok = testSettings(
      undefined,
      '[integrations.aps]\nenabled = true\naccount_id = "a"\ninventory_domain = "pub.example"\ninventory_page_origin = "https://www.pub.example"\n',
    );
    assert.equal(ok.integrations.aps?.inventory_page_origin, 'https://www.pub.example');
  });
});

describe('[integrations.prebid]: keys new at HEAD', () => {
  it('applies defaults', () => {
    const prebid = testSettings(undefined, PREBID).integrations.prebid;
    assert.equal(prebid?.test_mode, false);
    assert.equal(prebid?.consent_forwarding, 'both');
    assert.deepEqual(prebid?.client_side_bidders, []);
    assert.deepEqual(prebid?.bid_param_override_rules, []);
    assert.equal(prebid?.bundle, undefined);
  });

  it('takes override rules, zone overrides and the bundle table', () => {
    const prebid = testSettings(
      undefined,
      PREBID +
        'consent_forwarding = "openrtb_only"\n' +
        'excluded_gam_ad_unit_path_suffixes = ["/trackingonly"]\n' +
        '[[integrations.prebid.bid_param_override_rules]]\nwhen.bidder = " kargo "\nwhen.zone = "header"\nset = { placementId = "_abc" }\n' +
        '[integrations.prebid.bid_param_zone_overrides.kargo]\nheader = { placementId = "_h" }\n' +
        '[integrations.prebid.bundle]\nadapters = ["rubicon"]\n',
    ).integrations.prebid;
    assert.deepEqual(prebid?.bid_param_override_rules, [
      { when: { bidder: 'kargo', zone: 'header' }, set: { placementId: '_abc' } },
    ]);
    assert.deepEqual(prebid?.bid_param_zone_overrides, {
      kargo: { header: { placementId: '_h' } },
    });
    assert.deepEqual(prebid?.bundle, { adapters: ['rubicon'], user_id_modules: undefined });
  });

  it("refuses upstream HEAD's malformed values", () => {
    assert.deepEqual(
      problems(
        PREBID +
          'excluded_gam_ad_unit_path_suffixes = ["trackingonly", "/"]\n' +
          'external_bundle_sha256 = "abc"\n' +
          'external_bundle_sri = "md5-xyz"\n' +
          '[integrations.prebid.bid_param_zone_overrides.kargo]\nheader = "x"\nfooter = {}\n' +
          '[[integrations.prebid.bid_param_override_rules]]\nset = { a = 1 }\n',
      ),
      [
        'integrations.prebid.external_bundle_sha256: must be a 64-character hex SHA-256',
        'integrations.prebid.external_bundle_sri: each entry must be sha256-, sha384- or sha512-<base64>',
        'integrations.prebid.excluded_gam_ad_unit_path_suffixes[0]: must start with "/"',
        'integrations.prebid.excluded_gam_ad_unit_path_suffixes[1]: must name a path suffix, not "/"',
        'integrations.prebid.bid_param_zone_overrides.kargo.header: expected a table, got the string "x"',
        'integrations.prebid.bid_param_zone_overrides.kargo.footer: must not be an empty table',
        'integrations.prebid.bid_param_override_rules[0].when: missing required table',
      ],
    );
  });

  it('needs the external bundle host in proxy.allowed_domains', () => {
    const bundle = PREBID + 'external_bundle_url = "https://assets.example.com/prebid/x.js"\n';
    assert.deepEqual(problems(bundle), [
      'integrations.prebid.external_bundle_url: host "assets.example.com" must be listed in proxy.allowed_domains (the bundle is fetched through the first-party proxy)',
    ]);
    const allowed = testSettings(
      undefined,
      bundle + '[proxy]\nallowed_domains = ["*.example.com"]\n',
    );
    assert.equal(
      allowed.integrations.prebid?.external_bundle_url,
      'https://assets.example.com/prebid/x.js',
    );
    assert.match(
      problems(PREBID + 'external_bundle_url = "http://assets.example.com/x.js"\n')[0] ?? '',
      /^integrations\.prebid\.external_bundle_url: must use https:\/\//,
    );
  });
});

describe('[integrations.datadome]: protection keys', () => {
  it("applies upstream's defaults, including the static-asset exclusion rule", () => {
    const datadome = testSettings(undefined, '[integrations.datadome]\nenabled = true\n')
      .integrations.datadome;
    assert.equal(datadome?.enable_protection, false);
    assert.equal(datadome?.protection_api_origin, 'https://api-fastly.datadome.co');
    assert.equal(datadome?.timeout_ms, 1500);
    assert.deepEqual(datadome?.protection_excluded_methods, ['OPTIONS']);
    assert.deepEqual(datadome?.client_side_configuration, { ajaxListenerPath: true });
    const [rule] = datadome?.protection_exclusion_rules ?? [];
    assert.equal(rule?.['id'], 'default-static-assets');
    const pattern = (rule?.['patterns'] as RegExp[] | undefined)?.[0];
    assert.ok(pattern?.test('/assets/Logo.PNG'));
    assert.ok(!pattern?.test('/article.html'));
  });

  it('checks exclusion rules by their type, and takes name as the old id', () => {
    const datadome = testSettings(
      undefined,
      '[integrations.datadome]\nenabled = true\n' +
        '[[integrations.datadome.protection_exclusion_rules]]\nname = "health"\ntype = "path_exact"\npaths = ["/health"]\nmethods = ["get"]\n',
    ).integrations.datadome;
    assert.deepEqual(datadome?.protection_exclusion_rules, [
      { id: 'health', enabled: true, methods: ['GET'], type: 'path_exact', paths: ['/health'] },
    ]);
    assert.deepEqual(
      problems(
        '[integrations.datadome]\nenabled = true\n' +
          '[[integrations.datadome.protection_exclusion_rules]]\nid = "a"\ntype = "path_exact"\nprefixes = ["/x"]\n' +
          '[[integrations.datadome.protection_exclusion_rules]]\nid = "b"\ntype = "ip_range"\n' +
          '[[integrations.datadome.protection_exclusion_rules]]\nid = "c"\ntype = "ip_cidr"\ncidrs = ["10.0.0.0/33"]\n',
      ),
      [
        'integrations.datadome.protection_exclusion_rules[0].prefixes: unknown key; known keys: id, name, enabled, methods, type, paths',
        'integrations.datadome.protection_exclusion_rules[0].paths: missing required array of string',
        'integrations.datadome.protection_exclusion_rules[1].type: expected one of "path_exact", "path_prefix", "path_regex", "query_param_non_empty", "asn", "ip_cidr", "ip_cidr_source"',
        'integrations.datadome.protection_exclusion_rules[2].cidrs[0]: must be an IP address or CIDR range, got "10.0.0.0/33"',
      ],
    );
  });

  it('checks the protection keys together when enabled', () => {
    assert.deepEqual(
      problems(
        '[integrations.datadome]\nenabled = true\nenable_protection = true\nprotection_api_origin = "http://api.example.com/path"\nclient_side_tag_url = "javascript:alert(1)"\n',
      ),
      [
        'integrations.datadome.protection_api_origin: must use https://, got "http://api.example.com/path"',
        'integrations.datadome.client_side_tag_url: must be a root-relative path or an https:// URL',
      ],
    );
    assert.deepEqual(
      problems(
        '[integrations.datadome]\nenabled = true\n[integrations.datadome.protection_test_bypass]\nenabled = true\n',
      ),
      ['integrations.datadome.protection_test_bypass: needs enable_protection = true'],
    );
  });
});

describe('other integrations at HEAD', () => {
  it('takes gpt, didomi and adserver_mock keys', () => {
    const settings = testSettings(
      undefined,
      '[integrations.gpt]\ngam_attribution_enabled = true\n' +
        '[integrations.didomi]\nproxy_path = "/consent-cdn"\n' +
        '[integrations.adserver_mock]\nenabled = true\nendpoint = "https://mock.example/mediate"\n' +
        '[integrations.adserver_mock.context_query_params]\npermutive_segments = "permutive"\n',
    );
    assert.equal(settings.integrations.gpt?.gam_attribution_enabled, true);
    assert.equal(settings.integrations.didomi?.proxy_path, '/consent-cdn');
    assert.deepEqual(settings.integrations.adserver_mock?.context_query_params, {
      permutive_segments: 'permutive',
    });
    assert.deepEqual(problems('[integrations.didomi]\nproxy_path = "/a/../b"\n'), [
      'integrations.didomi.proxy_path: must not contain "." or ".." segments',
    ]);
  });

  it('adds sourcepoint (pinned to its CDN host when enabled), osano and gpt_diagnostics', () => {
    const settings = testSettings(
      undefined,
      '[integrations.sourcepoint]\nenabled = true\nauth_cookie_name = "sp_auth"\n' +
        '[integrations.osano]\nenabled = true\n[integrations.gpt_diagnostics]\nenabled = true\n',
    );
    assert.equal(settings.integrations.sourcepoint?.cdn_origin, 'https://cdn.privacy-mgmt.com');
    assert.equal(settings.integrations.sourcepoint?.cache_ttl_seconds, 3600);
    assert.deepEqual(settings.integrations.osano, { enabled: true });
    assert.deepEqual(settings.integrations.gpt_diagnostics, { enabled: true });
    assert.deepEqual(
      problems(
        '[integrations.sourcepoint]\nenabled = true\ncdn_origin = "https://cdn.example.com"\nauth_cookie_name = "Path"\n',
      ),
      ['integrations.sourcepoint.auth_cookie_name: must not be a cookie attribute name'],
    );
    assert.deepEqual(
      problems(
        '[integrations.sourcepoint]\nenabled = true\ncdn_origin = "https://cdn.example.com"\n',
      ),
      ['integrations.sourcepoint.cdn_origin: host must be cdn.privacy-mgmt.com'],
    );
    // Disabled, the table may carry upstream's sample values.
    assert.doesNotThrow(() =>
      testSettings(
        undefined,
        '[integrations.sourcepoint]\nenabled = false\ncdn_origin = "https://cdn.example.com"\n' +
          '[integrations.permutive]\nenabled = false\norganization_id = ""\nworkspace_id = ""\n',
      ),
    );
    assert.match(
      problems('[integrations.osano]\nenabled = true\nrewrite_sdk = true\n')[0] ?? '',
      /^integrations\.osano\.rewrite_sdk: unknown key/,
    );
  });
});

describe('integration strings are not reinterpreted as JSON', () => {
  it('refuses quoted booleans and numbers in the file', () => {
    assert.deepEqual(
      problems('[integrations.gpt]\nenabled = "true"\ncache_ttl_seconds = "600"\n'),
      [
        'integrations.gpt.enabled: expected true or false, got the string "true"',
        'integrations.gpt.cache_ttl_seconds: expected an integer, got the string "600"',
      ],
    );
  });

  it('keeps a JSON-looking string a string, and refuses it where a table is needed', () => {
    assert.deepEqual(
      problems(
        '[integrations.datadome]\nenabled = true\nclient_side_configuration = \'{"ajaxListenerPath": true}\'\n',
      ),
      [
        'integrations.datadome.client_side_configuration: expected a table, got the string "{\\"ajaxListenerPath\\": true}"',
      ],
    );
    const slot = testSettings(
      undefined,
      '[creative_opportunities]\ngam_network_id = "1"\n[[creative_opportunities.slot]]\nid = "a"\npage_patterns = ["/"]\nformats = [{ width = 1, height = 1 }]\nproviders.prebid.bidders = { kargo = "123" }\n',
    );
    assert.deepEqual(slot.creative_opportunities?.slot[0]?.providers.prebid?.bidders, {
      kargo: '123',
    });
  });

  it('from the environment, parses only JSON objects and arrays for free-form values', () => {
    const settings = testSettings(undefined, '[integrations.aps]\nenabled = true\n', {
      TRUSTED_SERVER__INTEGRATIONS__APS__ACCOUNT_ID: '00123',
    });
    assert.equal(settings.integrations.aps?.account_id, '00123');
    const table = testSettings(undefined, '[integrations.datadome]\nenabled = true\n', {
      TRUSTED_SERVER__INTEGRATIONS__DATADOME__CLIENT_SIDE_CONFIGURATION: '{"endpoint":"/dd"}',
    });
    assert.deepEqual(table.integrations.datadome?.client_side_configuration, { endpoint: '/dd' });
  });
});
