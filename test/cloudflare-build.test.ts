/**
 * The Worker build: settings embedded without secret values, revived from Worker secrets, and the
 * keys a Worker cannot honour refused or flagged with their config key.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  embedSettings,
  MissingSecretsError,
  reviveSettings,
} from '../src/cloudflare/embedded-settings.ts';
import { ConfigError } from '../src/core/settings/load-settings.ts';
import { buildWorker } from '../src/build/worker.ts';
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

  it('names each secret key after its TRUSTED_SERVER__ override and embeds no secret value', () => {
    const embedded = embedSettings(testSettings(undefined, HANDLER), false);
    assert.deepEqual(embedded.secrets, [
      { key: 'publisher.proxy_secret', name: 'TRUSTED_SERVER__PUBLISHER__PROXY_SECRET' },
      { key: 'ec.passphrase', name: 'TRUSTED_SERVER__EC__PASSPHRASE' },
      { key: 'handlers[0].password', name: 'TRUSTED_SERVER__HANDLERS__0__PASSWORD' },
    ]);
    const json = JSON.stringify(embedded);
    for (const secret of [SECRET_PROXY, EC_PASSPHRASE, PASSWORD]) assert.ok(!json.includes(secret));
  });

  it('revives the same settings from the embedded JSON and the Worker secrets', () => {
    const settings = testSettings(undefined, HANDLER);
    const embedded = JSON.parse(JSON.stringify(embedSettings(settings, false))) as ReturnType<
      typeof embedSettings
    >;
    const revived = reviveSettings(embedded, {
      TRUSTED_SERVER__PUBLISHER__PROXY_SECRET: SECRET_PROXY,
      TRUSTED_SERVER__EC__PASSPHRASE: EC_PASSPHRASE,
      TRUSTED_SERVER__HANDLERS__0__PASSWORD: PASSWORD,
    });
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

  it('names every missing Worker secret and its config key, never a value', () => {
    const embedded = embedSettings(testSettings(), false);
    assert.throws(
      () => reviveSettings(embedded, { TRUSTED_SERVER__EC__PASSPHRASE: EC_PASSPHRASE }),
      (error: unknown) =>
        error instanceof MissingSecretsError &&
        error.message.includes(
          'TRUSTED_SERVER__PUBLISHER__PROXY_SECRET (config key publisher.proxy_secret)',
        ) &&
        !error.message.includes('EC__PASSPHRASE') &&
        !error.message.includes(EC_PASSPHRASE),
    );
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
