/**
 * The signed payload (src/core/signing/signing-payload.ts): upstream's exact bytes, including how
 * characters are escaped, and the `/verify-signature` body parser.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildSigningPayload,
  parseVerifySignatureRequest,
  VERIFY_SIGNATURE_MAX_BODY_BYTES,
} from '../../src/core/signing/signing-payload.ts';
import { FIXTURE_PAYLOAD } from './fixture-key.ts';

const encoder = new TextEncoder();
const fields = { kid: 'ts-2025-10-A', host: 'publisher.com', scheme: 'https', id: 'auction-123' };

describe('buildSigningPayload', () => {
  it('produces upstream fixture payload byte for byte', () => {
    assert.equal(buildSigningPayload({ ...fields, ts: 1706900000000 }), FIXTURE_PAYLOAD);
  });

  it('escapes as serde_json does: quotes, backslashes and control characters only', () => {
    const payload = buildSigningPayload({
      kid: 'k',
      host: 'exämple.com/ü',
      scheme: 'https',
      id: 'a"b\\c\nd\u001fe\u007ff\u2028g😀',
      ts: 0,
    });
    // serde_json leaves '/', non-ASCII, DEL and U+2028 raw; controls use lowercase \u00XX.
    assert.equal(
      payload,
      '{"version":"1.1","kid":"k","host":"exämple.com/ü","scheme":"https","id":"a\\"b\\\\c\\nd\\u001fe\u007ff\u2028g😀","ts":0}',
    );
  });

  it('refuses a timestamp upstream could not have signed', () => {
    for (const ts of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) {
      assert.throws(() => buildSigningPayload({ ...fields, ts }), { code: 'internal' });
    }
  });
});

describe('parseVerifySignatureRequest', () => {
  const parse = (text: string) => parseVerifySignatureRequest(encoder.encode(text));

  it('reads the three string fields and ignores others', () => {
    assert.deepEqual(parse('{"payload":"p","signature":"s","kid":"k","extra":1}'), {
      payload: 'p',
      signature: 's',
      kid: 'k',
    });
  });

  it('names the field that is missing or not a string', () => {
    assert.throws(() => parse('{"payload":"p","signature":"s"}'), {
      code: 'bad_request',
      publicMessage: 'Bad request: "kid" must be a string',
    });
    assert.throws(() => parse('{"payload":1,"signature":"s","kid":"k"}'), {
      publicMessage: 'Bad request: "payload" must be a string',
    });
  });

  it('refuses non-JSON, non-objects and invalid UTF-8 as bad requests', () => {
    for (const body of ['not json', '[]', 'null', '"x"']) {
      assert.throws(() => parse(body), { code: 'bad_request' }, body);
    }
    assert.throws(() => parseVerifySignatureRequest(Uint8Array.of(0x7b, 0xff, 0x7d)), {
      code: 'bad_request',
    });
  });

  it('refuses a body over 4096 bytes before parsing it', () => {
    const padding = 'x'.repeat(VERIFY_SIGNATURE_MAX_BODY_BYTES);
    assert.throws(() => parse(`{"payload":"${padding}","signature":"s","kid":"k"}`), {
      code: 'payload_too_large',
    });
    const exact = `{"payload":"","signature":"s","kid":"k"}`;
    const fill = 'x'.repeat(VERIFY_SIGNATURE_MAX_BODY_BYTES - exact.length);
    assert.equal(parse(`{"payload":"${fill}","signature":"s","kid":"k"}`).payload, fill);
  });
});
