/**
 * `[ec]` replaces `[synthetic]` (upstream HEAD), with its partners' rules, and HEAD's start-up
 * rules on secrets and admin routes: placeholders and weak handler passwords refused unless in
 * development, every served `/_ts/admin/…` route behind a handler.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { ConfigError, loadSettings } from '../src/core/settings/load-settings.ts';
import { describeSettings, placeholderSecretKeys } from '../src/core/settings/placeholders.ts';
import { baseToml, EC_PASSPHRASE, PASSWORD, testSettings } from './helpers/settings.ts';

function problems(toml: string, env: Record<string, string> = {}): string[] {
  try {
    loadSettings(toml, { source: 'ts.toml', env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return [...error.problems];
  }
  assert.fail('expected the configuration to be rejected');
}

const TOKEN_A = 'partner-a-token-0123456789abcdef0123';
const TOKEN_B = 'partner-b-token-0123456789abcdef0123';

function partner(fields: string): string {
  return `[[ec.partners]]\nname = "Partner"\n${fields}\n`;
}

describe('[ec]: the Edge Cookie section', () => {
  it('takes the passphrase and applies upstream HEAD defaults', () => {
    const settings = testSettings();
    assert.equal(settings.ec.passphrase.reveal(), EC_PASSPHRASE);
    assert.equal(settings.ec.ec_store, undefined);
    assert.equal(settings.ec.pull_sync_concurrency, 3);
    assert.equal(settings.ec.cluster_trust_threshold, 10);
    assert.equal(settings.ec.cluster_recheck_secs, 3600);
    assert.equal(settings.ec.bot_gate, undefined);
    assert.deepEqual(settings.ec.partners, []);
  });

  it('refuses a config without [ec], and a passphrase under 32 bytes, without echoing it', () => {
    const without = baseToml().replace(/\[ec\][^[]*/, '');
    assert.deepEqual(problems(without), ['ec: missing required table']);
    const short = problems(baseToml().replace(EC_PASSPHRASE, 'short-passphrase'));
    assert.deepEqual(short, [
      'ec.passphrase: must be at least 32 bytes long (value hidden: secret) (ts.toml:9)',
    ]);
  });

  it('refuses [synthetic] and says what to write instead, also from the environment', () => {
    const legacy = baseToml().replace(
      '[ec]',
      '[synthetic]\nsecret_key = "legacy-key"\ntemplate = "{{ client_ip }}"\n\n[ec]',
    );
    const [message, ...rest] = problems(legacy);
    assert.deepEqual(rest, []);
    assert.match(message ?? '', /^synthetic: upstream replaced \[synthetic\] with \[ec\]/);
    assert.match(message ?? '', /write an \[ec\] table with passphrase = /);
    assert.match(message ?? '', /TRUSTED_SERVER__EC__PASSPHRASE/);
    assert.ok(!(message ?? '').includes('legacy-key'));
    assert.match(message ?? '', /\(ts\.toml:8\)$/);

    const fromEnv = problems(baseToml(), { TRUSTED_SERVER__SYNTHETIC__SECRET_KEY: 'legacy-key' });
    assert.match(
      fromEnv[0] ?? '',
      /^synthetic \(from TRUSTED_SERVER__SYNTHETIC__SECRET_KEY\): upstream replaced \[synthetic\]/,
    );
  });

  it('takes the passphrase from TRUSTED_SERVER__EC__PASSPHRASE', () => {
    const fromEnv = 'passphrase-from-the-environment-0123456789';
    const settings = testSettings(undefined, '', { TRUSTED_SERVER__EC__PASSPHRASE: fromEnv });
    assert.equal(settings.ec.passphrase.reveal(), fromEnv);
  });

  it('takes bot_gate ja4, ua or off, and names the choices otherwise', () => {
    const toml = (gate: string) => baseToml().replace('[ec]', `[ec]\nbot_gate = "${gate}"`);
    assert.equal(loadSettings(toml('ua')).ec.bot_gate, 'ua');
    assert.match(
      problems(toml('ja3'))[0] ?? '',
      /^ec\.bot_gate: expected one of "ja4", "ua", "off", got the string "ja3" \(did you mean "ja4"\?\)/,
    );
  });
});

describe('[[ec.partners]]: upstream HEAD keys and rules', () => {
  it('applies defaults and normalises source_domain', () => {
    const settings = testSettings(
      undefined,
      partner(`source_domain = "SSP.Example.COM."\napi_token = "${TOKEN_A}"`),
    );
    const [entry] = settings.ec.partners;
    assert.equal(entry?.source_domain, 'ssp.example.com');
    assert.equal(entry?.openrtb_atype, 3);
    assert.equal(entry?.bidstream_enabled, false);
    assert.equal(entry?.batch_rate_limit, 60);
    assert.equal(entry?.pull_sync_enabled, false);
    assert.equal(entry?.pull_sync_ttl_sec, 86400);
    assert.equal(entry?.pull_sync_rate_limit, 10);
    assert.equal(entry?.api_token.reveal(), TOKEN_A);
    // Partner tokens are secrets like any other: never printed.
    assert.ok(!describeSettings(settings).includes(TOKEN_A));
    assert.ok(!inspect(settings, { depth: 10 }).includes(TOKEN_A));
  });

  it('refuses bad source domains, short tokens and zero rate limits, naming each key', () => {
    const found = problems(
      baseToml(
        undefined,
        partner(`source_domain = "https://ssp.example.com"\napi_token = "too-short"`) +
          partner(
            `source_domain = "-bad.example.com"\napi_token = "${TOKEN_A}"\nbatch_rate_limit = 0`,
          ),
      ),
    );
    assert.deepEqual(
      found.map((line) => line.replace(/ \(ts\.toml:\d+\)$/, '')),
      [
        'ec.partners[0].source_domain: must be a host name only (no scheme, port or path)',
        'ec.partners[0].api_token: must be at least 32 bytes long (value hidden: secret)',
        'ec.partners[1].source_domain: must be a host name of letters, digits and inner hyphens, such as "partner.example.com"',
        'ec.partners[1].batch_rate_limit: must be at least 1, got 0',
      ],
    );
  });

  it('refuses two partners with one source_domain (after normalising) or one token', () => {
    const found = problems(
      baseToml(
        undefined,
        partner(`source_domain = "ssp.example.com"\napi_token = "${TOKEN_A}"`) +
          partner(`source_domain = "SSP.example.com."\napi_token = "${TOKEN_B}"`) +
          partner(`source_domain = "other.example.com"\napi_token = "${TOKEN_A}"`),
      ),
    );
    assert.deepEqual(
      found.map((line) => line.replace(/ \(ts\.toml:\d+\)$/, '')),
      [
        `ec.partners[1].source_domain: "ssp.example.com" is already partners[0]'s; each partner needs its own`,
        'ec.partners[2].api_token: same token as partners[0].api_token; each partner needs its own (value hidden: secret)',
      ],
    );
    assert.ok(!found.join('\n').includes(TOKEN_A));
  });

  it('checks the pull-sync keys together, only for a partner that pulls', () => {
    const pulling = (extra: string) =>
      partner(
        `source_domain = "ssp.example.com"\napi_token = "${TOKEN_A}"\npull_sync_enabled = true\n${extra}`,
      );
    const missing = problems(baseToml(undefined, pulling('')));
    assert.deepEqual(
      missing.map((line) => line.replace(/ \(ts\.toml:\d+\)$/, '')),
      [
        'ec.partners[0].pull_sync_url: required when pull_sync_enabled = true',
        'ec.partners[0].ts_pull_token: required when pull_sync_enabled = true',
      ],
    );
    const plain = problems(
      baseToml(
        undefined,
        pulling('pull_sync_url = "http://sync.ssp.example.com/pull"\nts_pull_token = "t"'),
      ),
    );
    assert.match(plain[0] ?? '', /^ec\.partners\[0\]\.pull_sync_url: must use https:\/\//);
    const foreign = problems(
      baseToml(
        undefined,
        pulling(
          'pull_sync_url = "https://sync.ssp.example.com/pull"\nts_pull_token = "t"\npull_sync_allowed_domains = ["ssp.example.com"]',
        ),
      ),
    );
    assert.match(
      foreign[0] ?? '',
      /^ec\.partners\[0\]\.pull_sync_url: host "sync\.ssp\.example\.com" is not in pull_sync_allowed_domains/,
    );
    const good = testSettings(
      undefined,
      pulling(
        'pull_sync_url = "https://sync.ssp.example.com/pull"\nts_pull_token = "pull-token"\npull_sync_allowed_domains = ["SYNC.ssp.example.com."]',
      ),
    );
    assert.equal(good.ec.partners[0]?.ts_pull_token?.reveal(), 'pull-token');
    // A partner that does not pull may keep an unfinished pull-sync URL around.
    const idle = testSettings(
      undefined,
      partner(
        `source_domain = "ssp.example.com"\napi_token = "${TOKEN_A}"\npull_sync_url = "http://later"`,
      ),
    );
    assert.equal(idle.ec.partners[0]?.pull_sync_url, 'http://later');
  });
});

describe('placeholder and weak secrets', () => {
  it('lists every placeholder, ignoring case and surrounding spaces', () => {
    const settings = testSettings(
      undefined,
      partner(
        'source_domain = "ssp.example.com"\napi_token = "Replace-With-Partner-API-Token-32-Bytes-Minimum"',
      ) +
        '[[handlers]]\npath = "^/a"\nusername = "u"\npassword = " ChangeMe "\n' +
        `[[handlers]]\npath = "^/b"\nusername = "u"\npassword = "${PASSWORD}"\n` +
        '[[handlers]]\npath = "^/c"\nusername = "u"\npassword = "admin"\n',
      {
        TRUSTED_SERVER__PUBLISHER__PROXY_SECRET: 'CHANGE-ME-PROXY-SECRET',
        TRUSTED_SERVER__EC__PASSPHRASE: 'trusted-server-placeholder-secret',
      },
    );
    assert.deepEqual(placeholderSecretKeys(settings), [
      'publisher.proxy_secret',
      'ec.passphrase',
      'ec.partners[0].api_token',
      'handlers[0].password',
      'handlers[2].password',
    ]);
  });
});

describe('admin routes must sit behind a handler', () => {
  const signing =
    '[request_signing]\nenabled = true\nconfig_store_id = "jwks"\nsecret_store_id = "keys"\n';
  const handler = (path: string) =>
    `[[handlers]]\npath = "${path}"\nusername = "admin"\npassword = "${PASSWORD}"\n`;
  const withStore = (extra: string) =>
    baseToml().replace('[ec]', '[ec]\nec_store = "ec_identity"') + extra;

  it('needs no handler while neither key rotation nor the identity graph is configured', () => {
    assert.doesNotThrow(() => testSettings());
    assert.doesNotThrow(() => testSettings(undefined, signing.replace('true', 'false')));
  });

  it('names the uncovered routes and why they are served', () => {
    const found = problems(baseToml(undefined, signing));
    assert.deepEqual(found, [
      'handlers: no handler protects /_ts/admin/keys/rotate, /_ts/admin/keys/deactivate ' +
        '(served because [request_signing] enabled = true); add a [[handlers]] entry with ' +
        'path = "^/_ts/admin" and a strong password',
    ]);
    const identity = problems(withStore(handler('^/_ts/admin/keys/')));
    assert.match(
      identity[0] ?? '',
      /^handlers: no handler protects \/_ts\/admin\/ec, \/_ts\/admin\/ec\/\{id\}, \/_ts\/admin\/eids \(served because \[ec\] ec_store is set\)/,
    );
  });

  it('accepts a prefix-level handler, matched case-insensitively as requests are', () => {
    assert.doesNotThrow(() => loadSettings(withStore(signing + handler('^/_TS/admin'))));
    assert.doesNotThrow(() =>
      loadSettings(withStore(handler('^/_ts/admin/ec/') + handler('^/_ts/admin/(ec|eids)$'))),
    );
  });

  it('refuses handlers shaped after valid EC ids, or anchored to the bare prefix', () => {
    const idShaped = problems(
      withStore(
        handler('^/_ts/admin/(ec|eids)$') +
          handler('^/_ts/admin/ec/[a-f0-9]{64}[.][A-Za-z0-9]{6}$'),
      ),
    );
    assert.match(idShaped[0] ?? '', /no handler protects \/_ts\/admin\/ec\/\{id\} /);
    const bare = problems(
      withStore(handler('^/_ts/admin/(ec|eids)$') + handler('^/_ts/admin/ec/$')),
    );
    assert.match(bare[0] ?? '', /no handler protects \/_ts\/admin\/ec\/\{id\} /);
  });

  it('honours case_sensitive = true when checking coverage', () => {
    const found = problems(
      withStore(
        '[[handlers]]\npath = "^/_TS/ADMIN"\ncase_sensitive = true\nusername = "a"\n' +
          `password = "${PASSWORD}"\n`,
      ),
    );
    assert.match(found[0] ?? '', /^handlers: no handler protects \/_ts\/admin\/ec,/);
  });
});
