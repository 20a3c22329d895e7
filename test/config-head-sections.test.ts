/**
 * Upstream HEAD's newer sections and keys: `[consent]`, `[creative_opportunities]`, `[cache]`,
 * `[debug]`, `[tester_cookie]`, `[tinybird]`, new `[auction]` and `[publisher]` keys, and the
 * tables this server refuses outright (asset routes, image optimizer).
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

function warningsOf(extra: string): string[] {
  const warnings: string[] = [];
  loadSettings(baseToml(undefined, extra), {
    source: 'ts.toml',
    onWarning: (w) => warnings.push(w),
  });
  return warnings;
}

describe('[consent]', () => {
  it("defaults to upstream's values, including the GDPR and US-state lists", () => {
    const { consent } = testSettings();
    assert.equal(consent.mode, 'interpreter');
    assert.equal(consent.check_expiration, true);
    assert.equal(consent.max_consent_age_days, 395);
    assert.equal(consent.consent_store, undefined);
    assert.equal(consent.gdpr.applies_in.length, 31);
    assert.ok(consent.gdpr.applies_in.includes('GB') && consent.gdpr.applies_in.includes('NO'));
    assert.ok(!consent.gdpr.applies_in.includes('CH'), 'Switzerland is opt-in');
    assert.deepEqual(consent.us_states.privacy_states.slice(0, 3), ['CA', 'VA', 'CO']);
    assert.equal(consent.us_states.privacy_states.length, 20);
    assert.deepEqual(consent.us_privacy_defaults, {
      notice_given: true,
      lspa_covered: false,
      gpc_implies_optout: true,
    });
    assert.deepEqual(consent.conflict_resolution, {
      mode: 'restrictive',
      freshness_threshold_days: 30,
    });
  });

  it('takes sub-tables, upper-cases codes and refuses what is not a code', () => {
    const settings = testSettings(
      undefined,
      '[consent.gdpr]\napplies_in = ["de", "CH"]\n[consent.conflict_resolution]\nmode = "newest"\n',
    );
    assert.deepEqual(settings.consent.gdpr.applies_in, ['DE', 'CH']);
    assert.equal(settings.consent.conflict_resolution.mode, 'newest');
    assert.deepEqual(problems('[consent.us_states]\nprivacy_states = ["California"]\n'), [
      'consent.us_states.privacy_states[0]: must be a two-letter US state code, got "California"',
    ]);
    assert.match(
      problems('[consent]\nmode = "interpret"\n')[0] ?? '',
      /^consent\.mode: expected one of "interpreter", "proxy".*did you mean "interpreter"/,
    );
  });

  it('clamps max_consent_age_days into 1–3650 with a warning naming the key', () => {
    const warnings: string[] = [];
    const settings = loadSettings(baseToml(undefined, '[consent]\nmax_consent_age_days = 9000\n'), {
      source: 'ts.toml',
      onWarning: (warning) => warnings.push(warning),
    });
    assert.equal(settings.consent.max_consent_age_days, 3650);
    assert.ok(
      warnings.includes(
        'consent.max_consent_age_days: 9000 is outside 1–3650 days; using 3650 (ts.toml:11)',
      ),
      warnings.join('\n'),
    );
    assert.equal(
      testSettings(undefined, '[consent]\nmax_consent_age_days = 0\n').consent.max_consent_age_days,
      1,
    );
  });

  it('accepts consent_store but warns that it has no effect', () => {
    assert.ok(
      warningsOf('[consent]\nconsent_store = "consent"\n').includes(
        'consent.consent_store: accepted for compatibility, has no effect (upstream never stores consent)',
      ),
    );
  });
});

describe('[creative_opportunities]', () => {
  const slot = (fields: string) =>
    `[[creative_opportunities.slot]]\nid = "atf"\npage_patterns = ["/", "/news/*"]\nformats = [{ width = 728, height = 90 }]\n${fields}\n`;

  it('reads slots with their defaults', () => {
    const settings = testSettings(
      undefined,
      '[creative_opportunities]\ngam_network_id = "123456"\nauction_timeout_ms = 500\n' +
        slot('targeting = { zone = "header" }\nfloor_price = 0.5'),
    );
    const co = settings.creative_opportunities;
    assert.equal(co?.price_granularity, 'dense');
    assert.equal(co?.auction_timeout_ms, 500);
    assert.deepEqual(co?.slot[0]?.formats, [{ width: 728, height: 90, media_type: 'banner' }]);
    assert.deepEqual(co?.slot[0]?.targeting, { zone: 'header' });
    assert.equal(testSettings().creative_opportunities, undefined);
  });

  it("applies upstream's slot rules", () => {
    const found = problems(
      '[creative_opportunities]\ngam_network_id = ""\n' +
        '[[creative_opportunities.slot]]\nid = "bad id"\npage_patterns = []\nformats = [{ width = 0, height = 90 }]\n',
    );
    assert.deepEqual(found, [
      'creative_opportunities.slot[0].id: must match [A-Za-z0-9_-]+, got "bad id"',
      'creative_opportunities.slot[0].page_patterns: must list at least one page pattern',
      'creative_opportunities.slot[0].formats[0].width: must be at least 1, got 0',
    ]);
    // The default unit path `/<network id>/<slot id>` needs the network id.
    assert.deepEqual(problems('[creative_opportunities]\ngam_network_id = ""\n' + slot('')), [
      'creative_opportunities.gam_network_id: must not be empty: slot[0] uses the GAM network id',
    ]);
  });

  it('checks gam_unit_path templates: placeholders, section_root, rendered length', () => {
    assert.deepEqual(
      problems(
        '[creative_opportunities]\ngam_network_id = "1"\n' + slot('gam_unit_path = "/{network}/x"'),
      ),
      [
        'creative_opportunities.slot[0].gam_unit_path: invalid template: unknown placeholder "{network}" (known: {network_id}, {section}, {slot_id})',
      ],
    );
    assert.deepEqual(
      problems(
        '[creative_opportunities]\ngam_network_id = "1"\n' +
          slot('gam_unit_path = "/{network_id}/site/{section}"'),
      ),
      ['creative_opportunities.section_root: required: slot[0].gam_unit_path uses {section}'],
    );
    const long = 'x'.repeat(95);
    assert.match(
      problems(
        `[creative_opportunities]\ngam_network_id = "123456"\n` +
          slot(`gam_unit_path = "/{network_id}/${long}"`),
      )[0] ?? '',
      /^creative_opportunities\.slot\[0\]\.gam_unit_path: renders to more than 100 bytes/,
    );
    // A static path is used verbatim, whatever its length.
    assert.doesNotThrow(() =>
      testSettings(
        undefined,
        '[creative_opportunities]\ngam_network_id = ""\n' + slot(`gam_unit_path = "/1/${long}x"`),
      ),
    );
  });

  it('refuses Cookie in template_cache_vary and an out-of-range cache age', () => {
    assert.deepEqual(
      problems(
        '[creative_opportunities]\ngam_network_id = "1"\ntemplate_cache_vary = ["rsc", "Cookie"]\ntemplate_cache_max_age_seconds = 0\n',
      ),
      [
        'creative_opportunities.template_cache_vary[1]: must not be Cookie: shared templates are the same for every reader',
        'creative_opportunities.template_cache_max_age_seconds: must be at least 1, got 0',
      ],
    );
  });
});

describe('[cache] asset rules', () => {
  it('needs only a unique id while a rule is disabled', () => {
    const settings = testSettings(
      undefined,
      '[[cache.asset_rules]]\nid = "later"\npath_globs = ["/a/*"]\npath_prefix = "/b/"\nimmutable = true\n',
    );
    assert.equal(settings.cache.asset_rules[0]?.enabled, false);
    assert.deepEqual(
      problems('[[cache.asset_rules]]\nid = "one"\n[[cache.asset_rules]]\nid = "one"\n'),
      [`cache.asset_rules[1].id: "one" is already asset_rules[0]'s`],
    );
  });

  it("holds an enabled rule to upstream's matcher and policy rules", () => {
    assert.deepEqual(
      problems(
        '[[cache.asset_rules]]\nid = "two"\nenabled = true\npath_prefix = "/a/"\nextensions = ["js"]\nbrowser_ttl_seconds = 60\n',
      ),
      [
        'cache.asset_rules[0]: an enabled rule needs exactly one matcher (preset, path_prefix, path_glob(s), path_regex or extensions), got 2',
      ],
    );
    assert.deepEqual(
      problems(
        '[[cache.asset_rules]]\nid = "vite"\nenabled = true\npath_globs = ["/assets/**/*.js"]\nfingerprint_style = "vite-base64-url"\nbrowser_ttl_seconds = 60\nimmutable = true\n',
      ),
      [
        'cache.asset_rules[0].immutable: vite-base64-url also matches ordinary file names: use hex or esbuild-base32',
      ],
    );
    assert.deepEqual(
      problems(
        '[[cache.asset_rules]]\nid = "p"\nenabled = true\npreset = "nextjs-static"\nvisibility = "private"\nedge_ttl_seconds = 60\n',
      ),
      [
        'cache.asset_rules[0].edge_ttl_seconds: a private rule is not stored by shared caches: remove it',
        'cache.asset_rules[0].browser_ttl_seconds: required for a private rule',
      ],
    );
    const next = testSettings(
      undefined,
      '[[cache.asset_rules]]\nid = "next"\nenabled = true\npreset = "nextjs-static"\nbrowser_ttl_seconds = 31536000\nimmutable = true\n',
    );
    assert.equal(next.cache.asset_rules[0]?.visibility, 'public');
  });

  it('compiles path_regex at load, taking a leading (?i) as the case-insensitive flag', () => {
    const settings = testSettings(
      undefined,
      '[[cache.asset_rules]]\nid = "r"\nenabled = true\npath_regex = "(?i)\\\\.WOFF2$"\nedge_ttl_seconds = 60\n',
    );
    assert.ok(settings.cache.asset_rules[0]?.path_regex?.test('/fonts/a.woff2'));
    assert.match(
      problems('[[cache.asset_rules]]\nid = "r"\npath_regex = "([a-z"\n')[0] ?? '',
      /^cache\.asset_rules\[0\]\.path_regex: invalid regular expression/,
    );
  });
});

describe('[debug], [tester_cookie], [tinybird]', () => {
  it('defaults every diagnostic to off', () => {
    const settings = testSettings();
    assert.equal(settings.debug.ja4_endpoint_enabled, false);
    assert.equal(settings.debug.auction_html_comment, false);
    assert.deepEqual(settings.debug.auction_html_comment_options.metadata_keys, [
      'error_type',
      'http_status',
      'message',
    ]);
    assert.equal(settings.debug.auction_html_comment_options.verbosity, 'redacted');
    assert.equal(settings.tester_cookie.enabled, false);
    assert.equal(settings.tinybird.enabled, false);
    assert.equal(settings.tinybird.max_body_bytes, 1048576);
  });

  it('refuses metadata keys outside the fixed allowlist', () => {
    assert.match(
      problems('[debug.auction_html_comment_options]\nmetadata_keys = ["debug"]\n')[0] ?? '',
      /^debug\.auction_html_comment_options\.metadata_keys\[0\]: expected one of "error_type", "http_status", "message"/,
    );
  });

  it("applies Tinybird's rules: no access telemetry, a host when enabled", () => {
    assert.deepEqual(problems('[tinybird]\naccess_enabled = true\naccess_sample_rate = 2.0\n'), [
      'tinybird.access_enabled: access-log telemetry has no emitter (reserved upstream); leave it false',
      'tinybird.access_sample_rate: must be between 0.0 and 1.0, got 2',
    ]);
    assert.deepEqual(
      problems('[tinybird]\nenabled = true\napi_host = "https://api.tinybird.co"\n'),
      ['tinybird.api_host: must be a host name only (no scheme, port or path)'],
    );
    assert.deepEqual(problems('[tinybird]\nenabled = true\n'), [
      'tinybird.api_host: required when enabled = true',
    ]);
  });
});

describe('[auction] and [publisher]: keys new at upstream HEAD', () => {
  it('defaults sanitize_creatives off and rewrite_creatives on', () => {
    const { auction, publisher } = testSettings();
    assert.equal(auction.sanitize_creatives, false);
    assert.equal(auction.rewrite_creatives, true);
    assert.deepEqual(auction.allowed_context_keys, []);
    assert.equal(publisher.origin_host_header_override, undefined);
    assert.equal(publisher.max_buffered_body_bytes, 16 * 1024 * 1024);
  });

  it('warns when an enabled auction leaves creatives unrewritten', () => {
    assert.ok(
      warningsOf('[auction]\nenabled = true\nrewrite_creatives = false\n').includes(
        'auction.rewrite_creatives: false: creative assets and clicks may contact third-party hosts directly (ts.toml:12)',
      ),
    );
  });

  it('validates origin_host_header_override as a host', () => {
    const withOverride = (value: string) =>
      baseToml().replace('proxy_secret', `origin_host_header_override = "${value}"\nproxy_secret`);
    assert.equal(
      loadSettings(withOverride('www.example.com')).publisher.origin_host_header_override,
      'www.example.com',
    );
    assert.throws(
      () => loadSettings(withOverride('https://www.example.com/')),
      /publisher\.origin_host_header_override: must be a host name/,
    );
  });
});

describe('tables this server refuses', () => {
  it('refuses [proxy] asset_routes and [image_optimizer] with what to do', () => {
    assert.deepEqual(problems('[[proxy.asset_routes]]\nprefix = "/img/"\n'), [
      'proxy.asset_routes: asset routes (S3 SigV4 and image-optimizer origins) are not supported by this server yet; remove the key (requests under those prefixes would otherwise reach the publisher origin unsigned)',
    ]);
    assert.deepEqual(problems('[image_optimizer]\nenabled = true\n'), [
      'image_optimizer: the image optimizer (Fastly Image Optimizer profiles for asset routes) is not supported by this server yet; remove the table',
    ]);
  });

  it('still refuses unknown keys, including ones named like object properties', () => {
    assert.match(
      problems('[consent]\nconstructor = 1\n')[0] ?? '',
      /^consent\.constructor: unknown key/,
    );
    assert.match(problems('[collective]\nenabled = true\n')[0] ?? '', /^collective: unknown key/);
  });
});
