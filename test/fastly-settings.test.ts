import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { fastlyManifest } from '../src/build/fastly-manifest.ts';
import { ConfigError } from '../src/core/settings/load-settings.ts';
import { placeholderPolicy } from '../src/core/settings/placeholder-policy.ts';
import { describeSettings } from '../src/core/settings/placeholders.ts';
import { embedFastlySettings, type EmbedOptions } from '../src/fastly/settings/embed.ts';
import { resolveFastlySettings } from '../src/fastly/settings/resolve.ts';
import {
  baseToml,
  PASSWORD,
  EC_PASSPHRASE,
  SECRET_PROXY,
  testSettings,
} from './helpers/settings.ts';

const HANDLER = `
[[handlers]]
path = "^/admin"
username = "admin"
password = "${PASSWORD}"
`;

const OPTIONS: EmbedOptions = {
  source: 'fastly.toml',
  env: {},
  secretStore: 'trusted_server_secrets',
  configStore: 'trusted_server_config',
  kvStore: 'trusted_server_kv',
  dev: false,
};

const PLACEHOLDER_ENV = { TRUSTED_SERVER__PUBLISHER__PROXY_SECRET: 'change-me-proxy-secret' };

const SECRETS = new Map([
  ['publisher.proxy_secret', SECRET_PROXY],
  ['ec.passphrase', EC_PASSPHRASE],
  ['handlers.0.password', PASSWORD],
]);

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('Fastly settings: embedded at build, completed at run time', () => {
  it('embeds no secret value, and names each Secret Store key', () => {
    const { embedded } = embedFastlySettings(baseToml('https://origin.test', HANDLER), OPTIONS);
    const json = JSON.stringify(embedded);
    for (const secret of SECRETS.values()) assert.ok(!json.includes(secret), 'secret in embed');
    assert.deepEqual(
      embedded.secrets.map((slot) => [slot.key, slot.name]),
      [
        ['publisher.proxy_secret', 'publisher.proxy_secret'],
        ['ec.passphrase', 'ec.passphrase'],
        ['handlers[0].password', 'handlers.0.password'],
      ],
    );
  });

  it('resolves to exactly the settings the Node loader produces', () => {
    const toml = baseToml('https://origin.test', HANDLER);
    const env = { TRUSTED_SERVER__PROXY__GZIP_LEVEL: '6' };
    const { embedded } = embedFastlySettings(toml, { ...OPTIONS, env });
    const { settings: resolved } = resolveFastlySettings(embedded, {
      secrets: SECRETS,
      config: {},
    });
    const expected = testSettings('https://origin.test', HANDLER, env);
    assert.equal(describeSettings(resolved), describeSettings(expected));
    assert.equal(resolved.publisher.proxy_secret.reveal(), SECRET_PROXY);
    assert.equal(resolved.handlers[0]!.password.reveal(), PASSWORD);
    assert.equal(resolved.proxy.gzip_level, 6);
    assert.ok(Object.isFrozen(resolved.proxy));
  });

  it('names the store and key of a missing secret', () => {
    const { embedded } = embedFastlySettings(baseToml('https://origin.test'), OPTIONS);
    const problems = problemsOf(() =>
      resolveFastlySettings(embedded, {
        secrets: new Map([['publisher.proxy_secret', SECRET_PROXY]]),
        config: {},
      }),
    );
    assert.deepEqual(problems, [
      'ec.passphrase: missing from Secret Store "trusted_server_secrets" (key "ec.passphrase")',
    ]);
  });

  it('applies allowed Config Store overrides and ignores other keys', () => {
    const { embedded } = embedFastlySettings(baseToml('https://origin.test'), OPTIONS);
    const { settings: resolved } = resolveFastlySettings(embedded, {
      secrets: SECRETS,
      config: {
        TRUSTED_SERVER__PROXY__FIRST_BYTE_TIMEOUT_MS: '2500',
        TRUSTED_SERVER__PUBLISHER__ORIGIN_URL: 'https://other-origin.test',
        // Not on the list: secrets never come from the Config Store.
        TRUSTED_SERVER__PUBLISHER__PROXY_SECRET: 'from-config-store-xxxxxxxx',
      },
    });
    assert.equal(resolved.proxy.first_byte_timeout_ms, 2500);
    assert.equal(resolved.publisher.origin_url, 'https://other-origin.test');
    assert.equal(resolved.publisher.proxy_secret.reveal(), SECRET_PROXY);
  });

  it('reports a bad Config Store value with the store, key and config path', () => {
    const { embedded } = embedFastlySettings(baseToml('https://origin.test'), OPTIONS);
    const problems = problemsOf(() =>
      resolveFastlySettings(embedded, {
        secrets: SECRETS,
        config: { TRUSTED_SERVER__PROXY__CONNECT_TIMEOUT_MS: 'soon' },
      }),
    );
    assert.equal(problems.length, 1);
    assert.match(
      problems[0]!,
      /^proxy\.connect_timeout_ms \(from Config Store "trusted_server_config" key TRUSTED_SERVER__PROXY__CONNECT_TIMEOUT_MS\): /,
    );
  });

  it('refuses sample placeholder secrets unless built with --dev', () => {
    const { embedded } = embedFastlySettings(baseToml('https://origin.test'), OPTIONS);
    const placeholders = new Map([
      ['publisher.proxy_secret', 'change-me-proxy-secret'],
      ['ec.passphrase', EC_PASSPHRASE],
    ]);
    const problems = problemsOf(() =>
      resolveFastlySettings(embedded, { secrets: placeholders, config: {} }),
    );
    // The one policy's wording, as `serve` and the Worker print it.
    const expected = placeholderPolicy(testSettings(undefined, '', PLACEHOLDER_ENV), false);
    assert.equal(expected.verdict, 'refused');
    assert.deepEqual(problems, ['message' in expected ? expected.message : '']);
    assert.match(problems[0]!, /^placeholder secrets in publisher\.proxy_secret: .*openssl rand/);
    const dev = embedFastlySettings(baseToml('https://origin.test'), { ...OPTIONS, dev: true });
    const revived = resolveFastlySettings(dev.embedded, { secrets: placeholders, config: {} });
    assert.match(
      revived.warning ?? '',
      /DEVELOPMENT MODE: placeholder secrets in publisher\.proxy_secret/,
    );
  });

  it('refuses proxy.certificate_check = false (Fastly always checks certificates)', () => {
    const toml = baseToml('https://origin.test', '[proxy]\ncertificate_check = false\n');
    const problems = problemsOf(() => embedFastlySettings(toml, OPTIONS));
    assert.match(problems[0]!, /^proxy\.certificate_check: must be true on Fastly Compute/);
  });

  it('refuses a build-time override that would carry a secret into the Wasm', () => {
    const env = {
      TRUSTED_SERVER__HANDLERS: JSON.stringify([
        { path: '^/x', username: 'u', password: 'p4ss-word' },
      ]),
    };
    const problems = problemsOf(() =>
      embedFastlySettings(baseToml('https://origin.test'), { ...OPTIONS, env }),
    );
    assert.match(
      problems[0]!,
      /^TRUSTED_SERVER__HANDLERS: sets a value that holds secrets \(handlers\[0\]\.password\)/,
    );
  });

  it('keeps build-time secret overrides out of the embed', () => {
    const env = { TRUSTED_SERVER__PUBLISHER__PROXY_SECRET: 'env-secret-value-123456' };
    const { embedded } = embedFastlySettings(baseToml('https://origin.test'), { ...OPTIONS, env });
    assert.ok(!JSON.stringify(embedded).includes('env-secret-value-123456'));
  });

  it('rejects invalid store names, naming the flag', () => {
    const problems = problemsOf(() =>
      embedFastlySettings(baseToml('https://origin.test'), { ...OPTIONS, secretStore: '9 bad!' }),
    );
    assert.match(problems[0]!, /^--secret-store: "9 bad!" is not a valid Fastly store name/);
    const kv = problemsOf(() =>
      embedFastlySettings(baseToml('https://origin.test'), { ...OPTIONS, kvStore: 'kv/store' }),
    );
    assert.match(kv[0]!, /^--kv-store: "kv\/store" is not a valid Fastly store name/);
  });

  it("links the kv service's KV Store in fastly.toml, or none with --kv-store none", () => {
    const manifestFor = (kvStore: string | null) =>
      // Through JSON: the TOML parser gives null-prototype objects.
      JSON.parse(
        JSON.stringify(
          parseToml(
            fastlyManifest({
              template: {},
              previous: undefined,
              embedded: embedFastlySettings(baseToml('https://origin.test'), {
                ...OPTIONS,
                kvStore,
              }).embedded,
              buildCommand: 'true',
            }),
          ),
        ),
      ) as { setup: Record<string, unknown>; local_server: Record<string, unknown> };
    const linked = manifestFor('graph');
    assert.deepEqual(linked.setup['kv_stores'], {
      graph: { description: 'Trusted Server key-value store (identity graph)' },
    });
    assert.deepEqual(linked.local_server['kv_stores'], { graph: [] });
    const none = manifestFor(null);
    assert.equal(none.setup['kv_stores'], undefined);
    assert.equal(none.local_server['kv_stores'], undefined);
  });
});
