import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { ConfigError, loadSettings } from '../src/core/settings/load-settings.ts';
import { describeSettings, placeholderSecretKeys } from '../src/core/settings/placeholders.ts';
import { createLogger } from '../src/core/log.ts';
import {
  baseToml,
  PASSWORD,
  EC_PASSPHRASE,
  SECRET_PROXY,
  testSettings,
} from './helpers/settings.ts';

function problems(toml: string, env: Record<string, string> = {}): string[] {
  try {
    loadSettings(toml, { source: 'ts.toml', env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return [...error.problems];
  }
  assert.fail('expected the configuration to be rejected');
}

describe('configuration: environment overrides', () => {
  it('overrides a scalar, case-insensitively, with the type of the target key', () => {
    const settings = testSettings(undefined, '', {
      TRUSTED_SERVER__PUBLISHER__ORIGIN_URL: 'https://origin.example.com',
      trusted_server__proxy__certificate_check: 'false',
      TRUSTED_SERVER__PROXY__CONNECT_TIMEOUT_MS: '250',
    });
    assert.equal(settings.publisher.origin_url, 'https://origin.example.com');
    assert.equal(settings.proxy.certificate_check, false);
    assert.equal(settings.proxy.connect_timeout_ms, 250);
  });

  it('takes maps as JSON, keeping header-name case and hyphens', () => {
    const settings = testSettings(undefined, '', {
      TRUSTED_SERVER__RESPONSE_HEADERS:
        '{"X-Robots-Tag":"noindex","X-Custom-Header":"custom value"}',
    });
    assert.deepEqual(settings.response_headers, {
      'X-Robots-Tag': 'noindex',
      'X-Custom-Header': 'custom value',
    });
  });

  it('takes arrays as JSON, comma lists and indexed keys', () => {
    const prebid = '[integrations.prebid]\nserver_url = "https://pbs.example/openrtb2/auction"\n';
    const json = testSettings(undefined, prebid, {
      TRUSTED_SERVER__INTEGRATIONS__PREBID__BIDDERS: '["kargo","rubicon"]',
    });
    assert.deepEqual(json.integrations.prebid?.bidders, ['kargo', 'rubicon']);
    const list = testSettings(undefined, prebid, {
      TRUSTED_SERVER__INTEGRATIONS__PREBID__BIDDERS: 'kargo, rubicon,appnexus',
    });
    assert.deepEqual(list.integrations.prebid?.bidders, ['kargo', 'rubicon', 'appnexus']);
    const indexed = testSettings(undefined, prebid, {
      TRUSTED_SERVER__INTEGRATIONS__PREBID__BIDDERS__1: 'rubicon',
      TRUSTED_SERVER__INTEGRATIONS__PREBID__BIDDERS__0: 'kargo',
      TRUSTED_SERVER__INTEGRATIONS__PREBID__BIDDERS__10: 'openx',
    });
    assert.deepEqual(indexed.integrations.prebid?.bidders, ['kargo', 'rubicon', 'openx']);
  });

  it('merges indexed struct overrides into the file, so a secret can come from the environment', () => {
    const settings = testSettings(
      undefined,
      '[[handlers]]\npath = "^/secure"\nusername = "admin"\npassword = "from-file-password"\n',
      { TRUSTED_SERVER__HANDLERS__0__PASSWORD: PASSWORD },
    );
    assert.equal(settings.handlers.length, 1);
    assert.ok(settings.handlers[0]?.path.test('/secure/data'));
    assert.equal(settings.handlers[0]?.password.reveal(), PASSWORD);
  });

  it('builds whole handlers from indexed variables', () => {
    const settings = testSettings(undefined, '', {
      TRUSTED_SERVER__HANDLERS__0__PATH: '^/env-handler',
      TRUSTED_SERVER__HANDLERS__0__USERNAME: 'ops',
      TRUSTED_SERVER__HANDLERS__0__PASSWORD: PASSWORD,
    });
    assert.equal(settings.handlers[0]?.username, 'ops');
  });

  it('names the variable when an environment value is wrong', () => {
    const found = problems(baseToml(), { TRUSTED_SERVER__PROXY__CONNECT_TIMEOUT_MS: 'soon' });
    assert.deepEqual(found, [
      'proxy.connect_timeout_ms (from TRUSTED_SERVER__PROXY__CONNECT_TIMEOUT_MS): expected an integer, got the string "soon"',
    ]);
    const unknown = problems(baseToml(), {
      TRUSTED_SERVER__PUBLISHER__ORGIN_URL: 'https://x.test',
    });
    assert.match(
      unknown[0] ?? '',
      /publisher\.orgin_url \(from TRUSTED_SERVER__PUBLISHER__ORGIN_URL\): unknown key; did you mean "origin_url"\?/,
    );
  });
});

describe('configuration: validation errors name the key', () => {
  it('rejects an unknown key and suggests the nearest known one, with the file line', () => {
    const toml = baseToml().replace('cookie_domain', 'cookie_domian');
    const found = problems(toml);
    assert.ok(
      found.includes(
        'publisher.cookie_domian: unknown key; did you mean "cookie_domain"? (ts.toml:4)',
      ),
      found.join('\n'),
    );
    assert.ok(found.includes('publisher.cookie_domain: missing required string (ts.toml:1)'));
  });

  it('rejects an unknown integration id and suggests the real one', () => {
    const found = problems(
      baseToml(undefined, '[integrations.prebd]\nserver_url = "https://pbs.test"\n'),
    );
    assert.match(
      found[0] ?? '',
      /^integrations\.prebd: unknown integration "prebd"; did you mean "prebid"\? \(ts\.toml:\d+\)$/,
    );
  });

  it("checks each integration table against that integration's own keys", () => {
    const found = problems(
      baseToml(
        undefined,
        '[integrations.prebid]\nserver_url = "https://pbs.test"\ntimeout = 500\n[integrations.google_tag_manager]\nenabled = true\ncontainer_id = "UA-1"\n',
      ),
    );
    assert.ok(
      found.some((p) =>
        p.startsWith('integrations.prebid.timeout: unknown key; did you mean "timeout_ms"?'),
      ),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) =>
        p.startsWith('integrations.google_tag_manager.container_id: must look like GTM-XXXXXX'),
      ),
      found.join('\n'),
    );
  });

  it('lets a disabled integration omit its required keys but not misspell others', () => {
    const settings = testSettings(undefined, '[integrations.lockr]\nenabled = false\n');
    assert.equal(settings.integrations.lockr, undefined);
    const found = problems(
      baseToml(undefined, '[integrations.lockr]\nenabled = false\nap_id = "x"\n'),
    );
    assert.match(
      found[0] ?? '',
      /integrations\.lockr\.ap_id: unknown key; did you mean "app_id"\?/,
    );
  });

  it('requires enabled integrations to be complete and applies their defaults', () => {
    const found = problems(
      baseToml(undefined, '[integrations.permutive]\norganization_id = "org"\n'),
    );
    assert.match(found[0] ?? '', /^integrations\.permutive\.workspace_id: missing required string/);
    const settings = testSettings(undefined, '[integrations.didomi]\n');
    assert.deepEqual(settings.integrations.didomi, {
      enabled: true,
      proxy_path: undefined,
      sdk_origin: 'https://sdk.privacy-center.org',
      api_origin: 'https://api.privacy-center.org',
    });
  });

  it('rejects a trailing slash or a path on origin_url', () => {
    assert.deepEqual(problems(baseToml('https://origin.test/')), [
      'publisher.origin_url: must not end with "/" (ts.toml:5)',
    ]);
    assert.match(
      problems(baseToml('https://origin.test/base'))[0] ?? '',
      /scheme:\/\/host\[:port\] only/,
    );
    assert.match(
      problems(baseToml('ftp://origin.test'))[0] ?? '',
      /must be an http:\/\/ or https:\/\/ URL/,
    );
  });

  it('fails fast on an invalid handler regex', () => {
    const found = problems(
      baseToml(
        undefined,
        '[[handlers]]\npath = "^/secure("\nusername = "u"\npassword = "p4ssw0rd-long"\n',
      ),
    );
    assert.match(
      found[0] ?? '',
      /^handlers\[0\]\.path: invalid regular expression: .* \(ts\.toml:\d+\)$/,
    );
  });

  it('reports TOML syntax errors with line and column', () => {
    assert.deepEqual(problems('[publisher]\ndomain = \n'), [
      'ts.toml:2:10: TOML syntax error: invalid value',
    ]);
  });

  it('reports every problem at once, and wrong types precisely', () => {
    const found = problems(
      baseToml(undefined, '[proxy]\ncertificate_check = "yes"\nconnect_timeout_ms = -5\n'),
    );
    assert.deepEqual(found, [
      'proxy.certificate_check: expected true or false, got the string "yes" (ts.toml:11)',
      'proxy.connect_timeout_ms: must be at least 1, got -5 (ts.toml:12)',
    ]);
  });

  it('rejects invalid response header names and values', () => {
    assert.match(
      problems(baseToml(undefined, '[response_headers]\n"Bad Header" = "x"\n'))[0] ?? '',
      /"Bad Header" is not a valid HTTP header name/,
    );
  });

  it('rejects an unknown auction provider with a suggestion', () => {
    assert.match(
      problems(baseToml(undefined, '[auction]\nproviders = ["prebdi"]\n'))[0] ?? '',
      /auction\.providers\[0\]: expected one of "prebid", "aps", "adserver_mock", got the string "prebdi" \(did you mean "prebid"\?\)/,
    );
  });
});

describe('configuration: secrets', () => {
  it('never prints a secret: errors, the resolved view, inspect and JSON', () => {
    const settings = testSettings(
      undefined,
      `[[handlers]]\npath = "^/admin"\nusername = "admin"\npassword = "${PASSWORD}"\n`,
    );
    const view = describeSettings(settings);
    for (const secret of [SECRET_PROXY, EC_PASSPHRASE, PASSWORD]) {
      assert.ok(!view.includes(secret), 'resolved view leaks a secret');
      assert.ok(!inspect(settings, { depth: 10 }).includes(secret), 'inspect leaks a secret');
    }
    assert.match(view, /"proxy_secret": "\[redacted\]"/);
    assert.equal(String(settings.publisher.proxy_secret), '[redacted]');

    // A secret given with the wrong type is not echoed in the error either.
    const found = problems(baseToml().replace(`"${SECRET_PROXY}"`, '73914862'));
    assert.deepEqual(found, [
      'publisher.proxy_secret: expected a string (value hidden: secret) (ts.toml:6)',
    ]);
  });

  it('scrubs configured secret values from every log line', () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'debug',
      secrets: [SECRET_PROXY],
      sink: (line) => lines.push(line),
    });
    log.error(`upstream said ${SECRET_PROXY}`, { detail: `x${SECRET_PROXY}y` });
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]?.includes(SECRET_PROXY));
    assert.match(lines[0] ?? '', /upstream said \[redacted\]/);
  });

  it('lists placeholder secrets by key path', () => {
    const settings = testSettings(
      undefined,
      '[[handlers]]\npath = "^/a"\nusername = "u"\npassword = "change-me-admin-password"\n',
      {
        TRUSTED_SERVER__PUBLISHER__PROXY_SECRET: 'change-me-proxy-secret',
        TRUSTED_SERVER__EC__PASSPHRASE: 'trusted-server-placeholder-secret',
      },
    );
    assert.deepEqual(placeholderSecretKeys(settings), [
      'publisher.proxy_secret',
      'ec.passphrase',
      'handlers[0].password',
    ]);
  });

  it('is frozen: settings cannot change after load', () => {
    const settings = testSettings();
    assert.throws(() => {
      (settings.publisher as { domain: string }).domain = 'evil.test';
    }, TypeError);
    assert.throws(() => {
      (settings.proxy.trusted_proxies as unknown as string[]).push('0.0.0.0/0');
    }, TypeError);
  });
});
