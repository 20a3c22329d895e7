/**
 * The Worker build: settings embedded without secret values, revived from Worker secrets, and the
 * keys a Worker cannot honour refused or flagged with their config key.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { workerSecrets } from '../src/cloudflare/embedded-settings.ts';
import { createWorker } from '../src/cloudflare/worker.ts';
import { createLogger } from '../src/core/log.ts';
import { ConfigError } from '../src/core/settings/load-settings.ts';
import { buildWorker, embedWorkerSettings } from '../src/build/worker.ts';
import { reviveSettings } from '../src/edge/revive-settings.ts';
import {
  baseToml,
  PASSWORD,
  EC_PASSPHRASE,
  SECRET_PROXY,
  testSettings,
} from './helpers/settings.ts';

const HANDLER = `[[handlers]]\npath = "^/admin"\nusername = "admin"\npassword = "${PASSWORD}"\n`;

describe('Worker settings embedding', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const configFile = async (toml: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'ts-worker-build-'));
    dirs.push(dir);
    await writeFile(join(dir, 'trusted-server.toml'), toml);
    return { dir, config: join(dir, 'trusted-server.toml') };
  };

  const embed = (toml: string, dev = false) =>
    embedWorkerSettings(toml, { source: 'test.toml', env: {}, dev }).embedded;
  const SECRET_ENV = {
    TRUSTED_SERVER__PUBLISHER__PROXY_SECRET: SECRET_PROXY,
    TRUSTED_SERVER__EC__PASSPHRASE: EC_PASSPHRASE,
    TRUSTED_SERVER__HANDLERS__0__PASSWORD: PASSWORD,
  };

  it('names each secret key after its TRUSTED_SERVER__ override and embeds no secret value', () => {
    const embedded = embed(baseToml(undefined, HANDLER));
    assert.deepEqual(
      embedded.secrets.map(({ key, name }) => ({ key, name })),
      [
        { key: 'publisher.proxy_secret', name: 'TRUSTED_SERVER__PUBLISHER__PROXY_SECRET' },
        { key: 'ec.passphrase', name: 'TRUSTED_SERVER__EC__PASSPHRASE' },
        { key: 'handlers[0].password', name: 'TRUSTED_SERVER__HANDLERS__0__PASSWORD' },
      ],
    );
    const json = JSON.stringify(embedded);
    for (const secret of [SECRET_PROXY, EC_PASSPHRASE, PASSWORD]) assert.ok(!json.includes(secret));
  });

  it('revives the same settings from the embedded JSON and the Worker secrets', () => {
    const settings = testSettings(undefined, HANDLER);
    const embedded = JSON.parse(JSON.stringify(embed(baseToml(undefined, HANDLER)))) as ReturnType<
      typeof embed
    >;
    const { settings: revived, warning } = reviveSettings(embedded, workerSecrets(SECRET_ENV));
    assert.equal(warning, undefined);
    assert.equal(revived.publisher.proxy_secret.reveal(), SECRET_PROXY);
    assert.equal(revived.handlers[0]?.password.reveal(), PASSWORD);
    assert.ok(revived.handlers[0]?.path instanceof RegExp);
    assert.equal(revived.handlers[0]?.path.source, settings.handlers[0]?.path.source);
    assert.ok(Object.isFrozen(revived.proxy));
    // Same JSON (secrets print redacted on both sides).
    assert.equal(
      JSON.stringify(revived, (_k, v: unknown) => (v instanceof RegExp ? v.source : v)),
      JSON.stringify(settings, (_k, v: unknown) => (v instanceof RegExp ? v.source : v)),
    );
  });

  it('names every missing Worker secret, its config key and the command, never a value', () => {
    const embedded = embed(baseToml());
    assert.throws(
      () =>
        reviveSettings(embedded, workerSecrets({ TRUSTED_SERVER__EC__PASSPHRASE: EC_PASSPHRASE })),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [
          "publisher.proxy_secret: missing from the Worker's secrets (set it with " +
            '`wrangler secret put TRUSTED_SERVER__PUBLISHER__PROXY_SECRET`)',
        ]);
        assert.ok(!error.message.includes(EC_PASSPHRASE));
        return true;
      },
    );
  });

  it('the Worker refuses placeholder secrets unless built with --dev, in the one wording', async () => {
    const toml = baseToml().replace(SECRET_PROXY, 'change-me-proxy-secret');
    const env = {
      TRUSTED_SERVER__PUBLISHER__PROXY_SECRET: 'change-me-proxy-secret',
      TRUSTED_SERVER__EC__PASSPHRASE: EC_PASSPHRASE,
    };
    const context = { waitUntil: () => {}, passThroughOnException: () => {} };
    const lines: Array<Record<string, unknown>> = [];
    const bootLog = createLogger({
      level: 'info',
      sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    });
    const refusing = createWorker(embed(toml), { bootLog });
    const refused = await refusing.fetch(new Request('http://localhost/health'), env, context);
    assert.equal(refused.status, 500);
    assert.match(
      String(lines[0]?.['msg']),
      /placeholder secrets in publisher\.proxy_secret: .*`openssl rand -base64 32`.*--dev/,
    );
    assert.ok(!JSON.stringify(lines).includes('change-me-proxy-secret'));

    const dev = createWorker(embed(toml, true), { bootLog });
    const served = await dev.fetch(new Request('http://localhost/health'), env, context);
    assert.equal(served.status, 200);
  });

  it('bundles the Worker with the settings embedded and no secret in the file', async () => {
    const { dir, config } = await configFile(
      baseToml('https://www.origin.test', '[cloudflare]\nhtml_engine = "htmlrewriter"\n'),
    );
    const built = await buildWorker({ config, outDir: dir });
    const bundle = await readFile(built.bundle, 'utf8');
    assert.ok(bundle.includes('TRUSTED_SERVER__PUBLISHER__PROXY_SECRET'));
    assert.ok(bundle.includes('"htmlrewriter"'));
    assert.ok(!bundle.includes(SECRET_PROXY) && !bundle.includes(EC_PASSPHRASE));
    assert.ok(!bundle.includes('smol-toml/dist'), 'no TOML parser in the Worker');
    assert.deepEqual(built.warnings, []);
  });

  it('refuses proxy.certificate_check = false and flags proxy.origin_address', async () => {
    const { dir, config } = await configFile(
      baseToml('https://www.origin.test', '[proxy]\ncertificate_check = false\n'),
    );
    await assert.rejects(
      buildWorker({ config, outDir: dir }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /proxy\.certificate_check: must be true on Cloudflare Workers/.test(error.message),
    );
    const second = await configFile(
      baseToml('https://www.origin.test', '[proxy]\norigin_address = "127.0.0.1:8443"\n'),
    );
    const built = await buildWorker({ config: second.config, outDir: second.dir });
    assert.match(built.warnings.join('\n'), /^proxy\.origin_address: honoured only by/);
  });

  it('rejects an unknown html_engine naming the key', async () => {
    const { dir, config } = await configFile(
      baseToml('https://www.origin.test', '[cloudflare]\nhtml_engine = "lol"\n'),
    );
    await assert.rejects(
      buildWorker({ config, outDir: dir }),
      (error: unknown) =>
        error instanceof ConfigError && /cloudflare\.html_engine/.test(error.message),
    );
  });
});
