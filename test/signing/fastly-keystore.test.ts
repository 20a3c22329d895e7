/**
 * The Fastly keystore (src/fastly/runtime/keystore-readers.ts) opens the stores linked as
 * `jwks_store` and `signing_keys`, as upstream, whatever API store IDs `[request_signing]` holds.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRequestSigner } from '../../src/core/signing/request-signer.ts';
import { fastlyKeyStore } from '../../src/fastly/runtime/keystore-readers.ts';
import { PASSWORD, testSettings } from '../helpers/settings.ts';
import { FIXTURE_KID, FIXTURE_SEED, FIXTURE_SIGNATURE, FIXTURE_X } from './fixture-key.ts';

const VECTOR_FIELDS = {
  host: 'publisher.com',
  scheme: 'https',
  id: 'auction-123',
  ts: 1706900000000,
};

it('reads the stores linked as jwks_store and signing_keys, not the API store IDs', async () => {
  const settings = testSettings(
    undefined,
    `[[handlers]]\npath = "^/_ts/admin"\nusername = "admin"\npassword = "${PASSWORD}"\n` +
      '[request_signing]\nenabled = true\nconfig_store_id = "01GXXX"\nsecret_store_id = "01GYYY"\n',
  );
  const opened: string[] = [];
  const config: Record<string, string> = {
    'current-kid': FIXTURE_KID,
    'active-kids': FIXTURE_KID,
    [FIXTURE_KID]: `{"kty":"OKP","crv":"Ed25519","x":"${FIXTURE_X}","alg":"EdDSA","kid":"${FIXTURE_KID}"}`,
  };
  const keystore = fastlyKeyStore(settings, {
    config: (name) => {
      opened.push(`config:${name}`);
      if (name !== 'jwks_store') throw new TypeError(`no Config Store linked as ${name}`);
      return { get: (key) => config[key] ?? null };
    },
    secret: (name) => {
      opened.push(`secret:${name}`);
      if (name !== 'signing_keys') throw new TypeError(`no Secret Store linked as ${name}`);
      return {
        get: (key) =>
          Promise.resolve(key === FIXTURE_KID ? { plaintext: () => FIXTURE_SEED } : null),
      };
    },
  });
  assert.ok(keystore !== undefined);
  const signed = await createRequestSigner(keystore).sign(VECTOR_FIELDS);
  assert.equal(signed.signature, FIXTURE_SIGNATURE);
  assert.deepEqual([...new Set(opened)].sort(), ['config:jwks_store', 'secret:signing_keys']);
});
