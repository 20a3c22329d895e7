/**
 * Public JWKs and the discovery document (src/core/signing/jwk.ts): upstream's JSON shapes, and
 * stored JWKs (including upstream's hand-written fixtures) read back into verifying keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEd25519Signer, verifyEd25519Signature } from '../../src/core/signing/ed25519.ts';
import {
  discoveryDocument,
  publicJwk,
  publicKeyOfStoredJwk,
  serializeJwk,
} from '../../src/core/signing/jwk.ts';
import { opensslVerifies } from './independent-verify.ts';
import {
  FIXTURE_KID,
  FIXTURE_PAYLOAD,
  FIXTURE_SEED,
  FIXTURE_SIGNATURE,
  FIXTURE_X,
} from './fixture-key.ts';

/** As upstream's fastly.toml stores it (hand-written, with `use`). */
const UPSTREAM_STORED_JWK = `{"kty":"OKP","crv":"Ed25519","kid":"${FIXTURE_KID}","use":"sig","x":"${FIXTURE_X}"}`;

describe('publicJwk', () => {
  it('serialises in the member order upstream rotation writes (jose-jwk: kty, crv, x, alg, kid)', async () => {
    const signer = await createEd25519Signer(FIXTURE_SEED);
    assert.equal(
      serializeJwk(publicJwk(FIXTURE_KID, signer.publicKey)),
      `{"kty":"OKP","crv":"Ed25519","x":"${FIXTURE_X}","alg":"EdDSA","kid":"${FIXTURE_KID}"}`,
    );
  });

  it('is a key node:crypto verifies our signatures with', async () => {
    const signer = await createEd25519Signer(FIXTURE_SEED);
    const jwk = publicJwk('kid-a', signer.publicKey);
    assert.ok(opensslVerifies(jwk.x, 'hello', await signer.sign('hello')));
  });

  it('refuses a public key of the wrong length', () => {
    assert.throws(() => publicJwk('kid-a', new Uint8Array(31)), { code: 'internal' });
  });
});

describe('publicKeyOfStoredJwk', () => {
  it('reads upstream fixture JWK and verifies upstream signature with it', async () => {
    const key = publicKeyOfStoredJwk(UPSTREAM_STORED_JWK);
    assert.equal(await verifyEd25519Signature(key, FIXTURE_PAYLOAD, FIXTURE_SIGNATURE), true);
  });

  it('names what is wrong with a broken stored JWK', () => {
    const cases: [string, RegExp][] = [
      ['{', /not valid JSON/],
      ['{"kty":"OKP"}', /no string 'x'/],
      ['{"x":"UVTi04QLrIuB7jXpVfHjUTVN5aIdcbPNr50umTtN8pw="}', /not base64url without padding/],
      ['{"x":"UVTi04QLrIuB7jXpVfHjUTVN5aIdcbPNr50umTtN"}', /must be 32 bytes, got 30/],
    ];
    for (const [json, message] of cases) {
      assert.throws(() => publicKeyOfStoredJwk(json), { code: 'configuration', message }, json);
    }
  });
});

describe('discoveryDocument', () => {
  it('is upstream document: version 1.0, jwks.keys in active order, pretty-printed', () => {
    const generated = `{"kty":"OKP","crv":"Ed25519","x":"${FIXTURE_X}","alg":"EdDSA","kid":"kid-b"}`;
    assert.equal(
      discoveryDocument([UPSTREAM_STORED_JWK, generated]),
      [
        '{',
        '  "version": "1.0",',
        '  "jwks": {',
        '    "keys": [',
        '      {',
        '        "kty": "OKP",',
        '        "crv": "Ed25519",',
        `        "kid": "${FIXTURE_KID}",`,
        '        "use": "sig",',
        `        "x": "${FIXTURE_X}"`,
        '      },',
        '      {',
        '        "kty": "OKP",',
        '        "crv": "Ed25519",',
        `        "x": "${FIXTURE_X}",`,
        '        "alg": "EdDSA",',
        '        "kid": "kid-b"',
        '      }',
        '    ]',
        '  }',
        '}',
      ].join('\n'),
    );
  });

  it('has no endpoints or capabilities, and an empty key list is still a document', () => {
    const parsed = JSON.parse(discoveryDocument([])) as Record<string, unknown>;
    assert.deepEqual(parsed, { version: '1.0', jwks: { keys: [] } });
  });

  it('fails as a configuration error when a stored JWK is not a JSON object', () => {
    for (const json of ['not json', '[]', 'null']) {
      assert.throws(() => discoveryDocument([json]), { code: 'configuration' }, json);
    }
  });
});
