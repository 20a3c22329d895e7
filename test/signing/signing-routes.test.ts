/**
 * How request signing is wired into the app (src/core/signing/signing-routes.ts): which keystore
 * serves it, the start-up error when signing is on with nowhere to keep keys, and the log line
 * that tells an operator with no keys what to run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/core/log.ts';
import type { PlatformServices } from '../../src/core/services.ts';
import { createConfigSecretKeyStore } from '../../src/core/signing/config-secret-keystore.ts';
import { signingKeyStore } from '../../src/core/signing/signing-routes.ts';
import { createMemoryKv } from '../../src/core/store/memory-kv.ts';
import { startTestServer } from '../helpers/server.ts';
import { testSettings } from '../helpers/settings.ts';
import { signingSettings } from './signing-fixtures.ts';

const log = createLogger({ level: 'error', sink: () => {} });
const services = (extra: Partial<PlatformServices>) =>
  ({ log, now: () => Date.now(), ...extra }) as unknown as PlatformServices;

describe('signing wiring', () => {
  const settings = signingSettings('');

  it('is off without [request_signing] enabled = true', () => {
    assert.equal(signingKeyStore(testSettings(), services({ kv: createMemoryKv() })), undefined);
  });

  it('keeps keys in kv unless the platform brings its own keystore', async () => {
    const kv = createMemoryKv();
    const fromKv = signingKeyStore(settings, services({ kv }));
    assert.equal(fromKv?.kind, 'memory');
    await fromKv?.rotate('k1');
    assert.equal(await kv.countPrefix('signing/', 10), 1);
    const own = createConfigSecretKeyStore({
      config: () => Promise.resolve(null),
      secret: () => Promise.resolve(null),
    });
    assert.equal(signingKeyStore(settings, services({ kv, keystore: own })), own);
  });

  it('enabled with no store at all is a configuration error saying what to configure', () => {
    assert.throws(() => signingKeyStore(settings, services({})), {
      code: 'configuration',
      message:
        /\[request_signing\] enabled = true needs a store for its keys.*configure \[store\] \(Node\) or bind the TS_KV Durable Object/,
    });
  });

  it('no keys yet: discovery is a generic 500 and the log says to run keys generate', async () => {
    const server = await startTestServer(settings);
    try {
      const response = await fetch(`${server.url}/.well-known/trusted-server.json`);
      assert.equal(response.status, 500);
      assert.equal(await response.text(), 'An internal error occurred\n');
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const line = server.logs.find((entry) => entry.includes('no active signing keys'));
      assert.match(line ?? '', /run `trusted-server keys generate --config FILE`/);
    } finally {
      await server.close();
    }
  });
});
