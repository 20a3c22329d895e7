/**
 * Whatever a browser (or an attacker) puts in the consent cookies and `Sec-GPC`, reading them,
 * decoding them and building the context never throws: arbitrary text, truncations and edits of
 * valid strings, and strings past the length limits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  allowsEcCreation,
  consentAllowsServerSideAuction,
  gateEidsByConsent,
  hasExplicitEcWithdrawal,
} from '../../src/core/consent/decisions.ts';
import { decodeGppString, parseGppSid } from '../../src/core/consent/gpp.ts';
import { buildConsentContext } from '../../src/core/consent/pipeline.ts';
import { readConsentSignals } from '../../src/core/consent/signals.ts';
import { consentLogFields } from '../../src/core/consent/status.ts';
import { decodeTcString } from '../../src/core/consent/tcf.ts';
import { decodeUsPrivacy } from '../../src/core/consent/usp.ts';
import type { GeoInfo } from '../../src/core/services.ts';
import { parseCookies } from '../../src/core/http/cookies.ts';
import { consentConfig, encodeTc, gppOf, NOW, TC_2022 } from './helpers.ts';

const VALID = [
  TC_2022,
  encodeTc({ purposes: [1, 4], vendors: [1, 5, 755] }),
  `DBACNY~${TC_2022}~1YNN`,
  'DBACLM~BVQqAAAAAgA.QA~BVVVVVVVVWA.AA',
  gppOf([
    [2, encodeTc({ purposes: [1] })],
    [7, 'BVQqAAAAAgA.QA'],
  ]),
];
const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~'];

/** Valid strings cut short, with characters changed, or padded past the limits. */
const mangled = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...BASE64URL), maxLength: 400 }),
  fc
    .tuple(fc.constantFrom(...VALID), fc.nat())
    .map(([valid, cut]) => valid.slice(0, cut % (valid.length + 1))),
  fc
    .tuple(fc.constantFrom(...VALID), fc.nat(), fc.constantFrom(...BASE64URL))
    .map(([valid, at, char]) => {
      const index = at % valid.length;
      return valid.slice(0, index) + char + valid.slice(index + 1);
    }),
  fc
    .tuple(fc.constantFrom(...VALID), fc.integer({ min: 4000, max: 9000 }))
    .map(([valid, length]) => valid.padEnd(length, 'A')),
);

const geo: fc.Arbitrary<GeoInfo | null> = fc.oneof(
  fc.constant(null),
  fc.record({
    country: fc.constantFrom('DE', 'US', 'JP', ''),
    region: fc.constantFrom('CA', 'WY'),
  }),
);

const configs = [
  consentConfig({}),
  consentConfig({ mode: 'proxy' }),
  consentConfig({ conflict: { mode: 'newest' } }),
  consentConfig({ conflict: { mode: 'permissive' }, check_expiration: false }),
];

describe('consent input never throws', () => {
  it('decoders on mangled and arbitrary strings', () => {
    fc.assert(
      fc.property(mangled, (raw) => {
        decodeTcString(raw);
        decodeGppString(raw);
        decodeUsPrivacy(raw);
        parseGppSid(raw);
      }),
      { numRuns: 2000 },
    );
  });

  it('readConsentSignals and the whole pipeline on arbitrary cookie and header values', () => {
    const cookieValue = fc.oneof(mangled, fc.string({ maxLength: 30 }));
    fc.assert(
      fc.property(
        fc.record({
          tc: cookieValue,
          gpp: cookieValue,
          sid: cookieValue,
          usp: cookieValue,
          gpc: fc.oneof(fc.constant('1'), fc.string({ maxLength: 5 })),
        }),
        geo,
        fc.constantFrom(...configs),
        (values, where, config) => {
          const headers = new Headers();
          // Header values cannot hold every character: what a browser could not send is dropped.
          const cookie = `euconsent-v2=${values.tc}; __gpp=${values.gpp}; __gpp_sid=${values.sid}; us_privacy=${values.usp}`;
          try {
            headers.set('cookie', cookie);
            headers.set('sec-gpc', values.gpc);
          } catch {
            return;
          }
          const signals = readConsentSignals(parseCookies(headers), headers);
          const context = buildConsentContext(signals, where, config, NOW);
          allowsEcCreation(context);
          hasExplicitEcWithdrawal(context);
          consentAllowsServerSideAuction(context);
          gateEidsByConsent([1], context);
          const fields = consentLogFields(context);
          assert.ok(Object.values(fields).every((value) => typeof value === 'string'));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('an undecodable string never yields an EC or a withdrawal in GDPR', () => {
    fc.assert(
      fc.property(mangled, (tc) => {
        const context = buildConsentContext(
          { tc, gpc: false },
          { country: 'DE' },
          configs[0]!,
          NOW,
        );
        if (context.undecodable.tc) {
          assert.equal(allowsEcCreation(context), false);
          assert.equal(hasExplicitEcWithdrawal(context), false);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
