/**
 * Ed25519 signing and verification (src/core/signing/ed25519.ts) on both backends: upstream's test
 * vector byte for byte, every signature re-checked by node:crypto, and clear errors for bad key
 * material.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeBase64, encodeBase64Url } from '../../src/core/signing/base64.ts';
import {
  createEd25519Signer,
  decodeSigningSeed,
  detectEd25519Backend,
  defaultEd25519Backend,
  verifyEd25519Signature,
} from '../../src/core/signing/ed25519.ts';
import { nobleEd25519 } from '../../src/core/signing/ed25519-noble.ts';
import { webCryptoEd25519 } from '../../src/core/signing/ed25519-webcrypto.ts';
import { FIXTURE_PAYLOAD, FIXTURE_SEED, FIXTURE_SIGNATURE, FIXTURE_X } from './fixture-key.ts';
import { opensslVerifies } from './independent-verify.ts';

const BACKENDS = [webCryptoEd25519(), nobleEd25519];
const fixtureKey = () => Uint8Array.from(Buffer.from(FIXTURE_X, 'base64url'));

describe('backend detection', () => {
  it('uses WebCrypto on Node, where it has Ed25519', async () => {
    assert.equal((await defaultEd25519Backend()).name, 'webcrypto');
  });

  it('falls back to noble when SubtleCrypto refuses Ed25519, as Fastly does', async () => {
    const noEd25519 = new Proxy(crypto.subtle, {
      get(target, property) {
        if (property !== 'importKey') return Reflect.get(target, property, target) as unknown;
        return () => Promise.reject(new DOMException('Unrecognized name', 'NotSupportedError'));
      },
    });
    assert.equal((await detectEd25519Backend(noEd25519)).name, 'noble');
  });
});

for (const backend of BACKENDS) {
  describe(`${backend.name} backend`, () => {
    it('signs upstream fixture payload to upstream signature byte for byte', async () => {
      const signer = await createEd25519Signer(FIXTURE_SEED, backend);
      assert.equal(encodeBase64Url(signer.publicKey), FIXTURE_X);
      const signature = await signer.sign(FIXTURE_PAYLOAD);
      assert.equal(signature, FIXTURE_SIGNATURE);
      assert.ok(opensslVerifies(FIXTURE_X, FIXTURE_PAYLOAD, signature));
    });

    it('verifies the vector as base64url and as padded standard base64', async () => {
      const standard = encodeBase64(Buffer.from(FIXTURE_SIGNATURE, 'base64url'));
      assert.ok(standard.endsWith('=='));
      for (const text of [FIXTURE_SIGNATURE, standard]) {
        assert.equal(
          await verifyEd25519Signature(fixtureKey(), FIXTURE_PAYLOAD, text, backend),
          true,
        );
      }
    });

    it('rejects a changed payload, another key, and a malformed signature', async () => {
      const other = await createEd25519Signer(encodeBase64(new Uint8Array(32).fill(7)), backend);
      const verify = (payload: string, signature: string, key: Uint8Array = fixtureKey()) =>
        verifyEd25519Signature(key, payload, signature, backend);
      assert.equal(await verify(FIXTURE_PAYLOAD.replace('123', '124'), FIXTURE_SIGNATURE), false);
      assert.equal(await verify(FIXTURE_PAYLOAD, FIXTURE_SIGNATURE, other.publicKey), false);
      await assert.rejects(verify(FIXTURE_PAYLOAD, 'not-valid-base64!!!'), {
        code: 'bad_request',
        publicMessage: 'Bad request: signature is not base64',
      });
      await assert.rejects(verify(FIXTURE_PAYLOAD, FIXTURE_SIGNATURE.slice(0, 84)), {
        code: 'bad_request',
        message: 'signature must be 64 bytes, got 63',
      });
      // Padding on the URL-safe form is not one of the two accepted spellings.
      await assert.rejects(verify(FIXTURE_PAYLOAD, `${FIXTURE_SIGNATURE}==`), {
        code: 'bad_request',
      });
    });

    it('rejects a public key that is not on the curve instead of throwing', async () => {
      // y = 2 has no x on Ed25519.
      const offCurve = new Uint8Array(32);
      offCurve[0] = 2;
      assert.equal(
        await verifyEd25519Signature(offCurve, FIXTURE_PAYLOAD, FIXTURE_SIGNATURE, backend),
        false,
      );
    });
  });
}

describe('seed decoding', () => {
  it('names what is wrong with a bad seed', () => {
    const base64Of = (length: number) => Buffer.alloc(length, 1).toString('base64');
    assert.throws(() => decodeSigningSeed(base64Of(31)), {
      code: 'configuration',
      message:
        'signing key must decode to 32 bytes, got 31: corrupt key material in the secret store',
    });
    assert.throws(() => decodeSigningSeed(base64Of(33)), {
      message:
        'signing key must decode to 32 bytes, got 33: corrupt key material in the secret store',
    });
    assert.throws(() => decodeSigningSeed('not base64 at all!'), {
      code: 'configuration',
      message: /^signing key is not valid standard base64 \(it contains whitespace/,
    });
    assert.throws(() => decodeSigningSeed(`${FIXTURE_SEED}\n`), {
      message: /contains whitespace, e\.g\. a trailing newline/,
    });
    // The URL-safe spelling or missing padding is not what the secret store holds.
    assert.throws(() => decodeSigningSeed(FIXTURE_SEED.replace('=', '')), {
      message: /^signing key is not valid standard base64:/,
    });
    assert.throws(() => decodeSigningSeed('_'.repeat(43) + '='), {
      message: /^signing key is not valid standard base64:/,
    });
  });

  it('refuses a bad seed when creating a signer, on either backend', async () => {
    for (const backend of BACKENDS) {
      await assert.rejects(createEd25519Signer(Buffer.alloc(31).toString('base64'), backend), {
        code: 'configuration',
      });
    }
  });

  it('never shows the seed in an error', () => {
    const almost = Buffer.alloc(33, 0xab).toString('base64');
    assert.throws(
      () => decodeSigningSeed(almost),
      (error: Error) => !error.message.includes(almost.slice(0, 8)),
    );
  });
});
