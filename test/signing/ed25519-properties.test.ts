/**
 * Properties of signing over arbitrary keys and payload fields: both backends produce the same
 * signature, it verifies (here and in node:crypto), and changing any one character of the
 * signature or the payload makes verification fail.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeBase64, encodeBase64Url } from '../../src/core/signing/base64.ts';
import { createEd25519Signer, verifyEd25519Signature } from '../../src/core/signing/ed25519.ts';
import type { Ed25519Backend } from '../../src/core/signing/ed25519-backend.ts';
import { nobleEd25519 } from '../../src/core/signing/ed25519-noble.ts';
import { webCryptoEd25519 } from '../../src/core/signing/ed25519-webcrypto.ts';
import { buildSigningPayload } from '../../src/core/signing/signing-payload.ts';
import { opensslVerifies } from './independent-verify.ts';

const webCrypto = webCryptoEd25519();
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const anyText = fc.string({ unit: 'binary', maxLength: 40 });

const signedPayload = fc.record({
  seed: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  kid: anyText,
  host: anyText,
  scheme: fc.constantFrom('https', 'http'),
  id: anyText,
  ts: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
});

/** Verification "fails" as a false result or as a refused (malformed) signature. */
async function verifies(
  publicKey: Uint8Array,
  payload: string,
  signature: string,
  backend: Ed25519Backend,
): Promise<boolean> {
  try {
    return await verifyEd25519Signature(publicKey, payload, signature, backend);
  } catch (error) {
    assert.equal((error as { code?: string }).code, 'bad_request');
    return false;
  }
}

function replaceAt(text: string, index: number, replacement: string): string {
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('sign/verify properties', () => {
  it('both backends sign identically, and the signature verifies everywhere', async () => {
    await fc.assert(
      fc.asyncProperty(signedPayload, async ({ seed, ...fields }) => {
        const payload = buildSigningPayload(fields);
        const seedBase64 = encodeBase64(seed);
        const viaWebCrypto = await createEd25519Signer(seedBase64, webCrypto);
        const viaNoble = await createEd25519Signer(seedBase64, nobleEd25519);
        assert.deepEqual(viaNoble.publicKey, viaWebCrypto.publicKey);
        const signature = await viaWebCrypto.sign(payload);
        assert.equal(await viaNoble.sign(payload), signature);
        assert.ok(opensslVerifies(encodeBase64Url(viaWebCrypto.publicKey), payload, signature));
        for (const backend of [webCrypto, nobleEd25519]) {
          assert.equal(await verifies(viaWebCrypto.publicKey, payload, signature, backend), true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('any single-character change of the signature or the payload fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        signedPayload,
        fc.nat(),
        fc.nat(),
        fc.constantFrom(webCrypto, nobleEd25519),
        async ({ seed, ...fields }, where, what, backend) => {
          const payload = buildSigningPayload(fields);
          const signer = await createEd25519Signer(encodeBase64(seed), backend);
          const signature = await signer.sign(payload);

          const signatureIndex = where % signature.length;
          const original = signature[signatureIndex] as string;
          const others = BASE64URL.replace(original, '');
          const badSignature = replaceAt(
            signature,
            signatureIndex,
            others[what % others.length] as string,
          );
          assert.equal(await verifies(signer.publicKey, payload, badSignature, backend), false);

          const payloadIndex = where % payload.length;
          const changed = payload.charCodeAt(payloadIndex) === 0x41 ? 'B' : 'A';
          const badPayload = replaceAt(payload, payloadIndex, changed);
          assert.equal(await verifies(signer.publicKey, badPayload, signature, backend), false);
          assert.equal(
            opensslVerifies(encodeBase64Url(signer.publicKey), badPayload, signature),
            false,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
