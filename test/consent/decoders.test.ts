/**
 * The decoders and readers one by one: upstream's tcf.rs, gpp.rs, us_privacy.rs, jurisdiction.rs
 * and extraction.rs cases that still apply to our strict decoders, the spec's §F.4 vectors, and
 * hostile strings (vendor ranges, GPP header ranges) that must cost microseconds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeaderV1 } from '@iabgpp/cmpapi';
import fc from 'fast-check';
import { bitReader } from '../../src/core/consent/base64url-bits.ts';
import { decodeGppString, parseGppSid } from '../../src/core/consent/gpp.ts';
import { readGppHeader } from '../../src/core/consent/gpp-header.ts';
import { detectJurisdiction } from '../../src/core/consent/jurisdiction.ts';
import { readConsentSignals } from '../../src/core/consent/signals.ts';
import { consentLogFields } from '../../src/core/consent/status.ts';
import { buildConsentContext } from '../../src/core/consent/pipeline.ts';
import { decodeTcString, decodeTcStringUncached } from '../../src/core/consent/tcf.ts';
import { decodeUsPrivacy, encodeUsPrivacy } from '../../src/core/consent/usp.ts';
import { bitfieldVendorSet, rangeVendorSet } from '../../src/core/consent/vendor-set.ts';
import { parseCookies } from '../../src/core/http/cookies.ts';
import {
  bitsToBase64url,
  DEFAULT_CONSENT,
  encodeTc,
  field,
  gppOf,
  NOW,
  rangeBombTc,
  TC_2022,
  TC_LENIENT_ONLY,
} from './helpers.ts';

describe('TC strings', () => {
  it('decodes the §F.4 anchor: cmp 31, vendor list 126, no purposes, 2022-04-20', () => {
    const tcf = decodeTcString(TC_2022);
    assert.ok(tcf);
    assert.equal(tcf.version, 2);
    assert.equal(tcf.cmpId, 31);
    assert.equal(tcf.vendorListVersion, 126);
    assert.equal(tcf.consentLanguage, 'EN');
    assert.equal(tcf.purposeConsents.size, 0);
    assert.equal(new Date(tcf.lastUpdatedMs).toISOString().slice(0, 10), '2022-04-20');
  });

  it('treats upstream extraction vector as undecodable (it ends inside its bitfield)', () => {
    assert.equal(decodeTcString(TC_LENIENT_ONLY), undefined);
  });

  it('reads purposes, legitimate interests, special features and vendors', () => {
    const tc = encodeTc({
      purposes: [1, 2, 4],
      legitimateInterests: [7],
      vendors: [1, 5, 755],
      specialFeatures: [1],
      cmpId: 300,
      updated: new Date('2026-11-30T00:00:00Z'),
    });
    const tcf = decodeTcString(tc);
    assert.ok(tcf);
    assert.deepEqual([...tcf.purposeConsents], [1, 2, 4]);
    assert.deepEqual([...tcf.purposeLegitimateInterests], [7]);
    assert.deepEqual([...tcf.vendorConsents.values()], [1, 5, 755]);
    assert.deepEqual([...tcf.specialFeatureOptins], [1]);
    assert.equal(tcf.cmpId, 300);
    assert.equal(tcf.lastUpdatedMs, Date.parse('2026-11-30T00:00:00Z'));
    assert.equal(tcf.createdMs, Date.parse('2026-11-30T00:00:00Z'));
  });

  it('decodes the core segment of a segmented string', () => {
    const tc = encodeTc({ purposes: [1] });
    assert.ok(decodeTcString(`${tc}.IAAA`)?.purposeConsents.has(1));
  });

  it('refuses version 1, empty, bad characters, short and oversized strings', () => {
    assert.equal(decodeTcString('BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA'), undefined, 'v1');
    assert.equal(decodeTcString(''), undefined);
    assert.equal(decodeTcString('!!!invalid!!!'), undefined);
    assert.equal(decodeTcString('CAAAAAAAAA'), undefined);
    const tc = encodeTc({ purposes: [1] });
    assert.equal(decodeTcString(tc + '.' + 'A'.repeat(4096 - tc.length)), undefined, '4097');
  });

  it('decodes a 3.9 KB cookie of 700 ranges 1–65535 in microseconds, without expanding it', () => {
    // The IAB library took 1.15 s on this string, ID by ID.
    const bomb = rangeBombTc(700);
    assert.ok(bomb.length > 3800 && bomb.length <= 4096);
    const started = performance.now();
    const tcf = decodeTcStringUncached(bomb);
    assert.ok(performance.now() - started < 20);
    assert.equal(tcf?.vendorConsents.size, 65535);
    assert.equal(tcf.vendorConsents.has(65535), true);
    assert.equal(tcf.vendorConsents.has(0), false);
    assert.equal(tcf.vendorLegitimateInterests.size, 0);
  });
});

describe('GPP strings', () => {
  it('decodes the §F.4 vectors', () => {
    const usp = decodeGppString('DBABTA~1YNN');
    assert.deepEqual(usp?.sectionIds, [6]);
    assert.equal(usp?.usp?.optOutSale, 'no');
    assert.equal(usp?.euTcf, undefined);

    const both = decodeGppString(`DBACNY~${TC_2022}~1YNN`);
    assert.deepEqual(both?.sectionIds, [2, 6]);
    assert.equal(both?.euTcf?.cmpId, 31);
    assert.equal(both?.usSaleOptOut, undefined, 'no US section 7–23');

    assert.deepEqual(decodeGppString(`DBABMA~${TC_2022}`)?.sectionIds, [2]);
    assert.equal(decodeGppString('DBABLA~BVQqAAAAAgA.QA')?.usSaleOptOut, false);
    assert.equal(decodeGppString('DBACLM~BVQqAAAAAgA.QA~BVVVVVVVVWA.AA')?.usSaleOptOut, true);
    assert.equal(decodeGppString('DBACLM~BVQqAAAAAgA.QA~BVgVVVVVVWA.AA')?.usSaleOptOut, false);
  });

  it('lets a readable section decide when another US section is unreadable', () => {
    const first = decodeGppString(
      gppOf([
        [7, 'BVQqAAAAAgA.QA'],
        [9, 'not-a-valid-usva-section'],
      ]),
    );
    assert.equal(first?.usSaleOptOut, false);
    assert.equal(first?.sectionUndecodable, true);
    const second = decodeGppString(
      gppOf([
        [7, 'not-a-valid-usnat-section'],
        [9, 'BVVVVVVVVWA.AA'],
      ]),
    );
    assert.equal(second?.usSaleOptOut, true);
    const none = decodeGppString(
      gppOf([
        [7, 'not-a-valid-usnat-section'],
        [9, 'also-invalid'],
      ]),
    );
    assert.equal(none?.usSaleOptOut, undefined);
  });

  it('marks an unreadable TCF section without losing the rest', () => {
    const gpp = decodeGppString(
      gppOf([
        [2, TC_LENIENT_ONLY],
        [6, '1YYN'],
      ]),
    );
    assert.equal(gpp?.euTcf, undefined);
    assert.equal(gpp?.sectionUndecodable, true);
    assert.equal(gpp?.usp?.optOutSale, 'yes');
  });

  it('refuses invalid, empty, oversized, miscounted and blank-section strings', () => {
    for (const raw of ['totally-invalid', '', 'D'.repeat(8193), 'DBABTA', 'DBABTA~1YNN~1YNN']) {
      assert.equal(decodeGppString(raw), undefined, raw.slice(0, 20));
    }
    assert.equal(decodeGppString('DBACNY~ ~1YNN'), undefined);
  });

  it('refuses a header whose range names millions of sections, quickly', () => {
    const started = performance.now();
    assert.equal(decodeGppString('DBAB4AAAAG~1YNN'), undefined);
    const bomb = bitsToBase64url(
      '000011000001' + field(1, 12) + '1' + '11' + '0'.repeat(80) + '11',
    );
    assert.equal(decodeGppString(`${bomb}~1YNN`), undefined);
    assert.ok(performance.now() - started < 50);
  });

  it('reads headers exactly as the library encodes them', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 12 }), (ids) => {
        const sorted = [...ids].sort((a, b) => a - b);
        const header = new HeaderV1();
        header.setFieldValue('SectionIds', sorted);
        assert.deepEqual(readGppHeader(header.encode(), sorted.length), sorted);
      }),
    );
  });

  it('parses __gpp_sid like upstream', () => {
    assert.deepEqual(parseGppSid('2,6'), [2, 6]);
    assert.deepEqual(parseGppSid('2'), [2]);
    assert.deepEqual(parseGppSid(' 2 , 6 , 8 '), [2, 6, 8]);
    assert.equal(parseGppSid(''), undefined);
    assert.equal(parseGppSid('  '), undefined);
    assert.deepEqual(parseGppSid('2,abc,6'), [2, 6]);
    assert.equal(parseGppSid('abc,def'), undefined);
    assert.deepEqual(parseGppSid('70000,-1,7'), [7]);
  });
});

describe('US Privacy strings', () => {
  it('decodes upstream cases', () => {
    assert.deepEqual(decodeUsPrivacy('1YNN'), {
      version: 1,
      noticeGiven: 'yes',
      optOutSale: 'no',
      lspaCovered: 'no',
    });
    assert.equal(decodeUsPrivacy('1YYY')?.lspaCovered, 'yes');
    assert.equal(decodeUsPrivacy('1---')?.optOutSale, 'not-applicable');
    assert.equal(decodeUsPrivacy('1NYN')?.noticeGiven, 'no');
    assert.equal(decodeUsPrivacy('1ynn')?.noticeGiven, 'yes');
    const decoded = decodeUsPrivacy('1YNN');
    assert.ok(decoded);
    assert.equal(encodeUsPrivacy(decoded), '1YNN');
  });

  it('refuses upstream bad cases', () => {
    for (const raw of ['1YN', '1YNN ', '1YNNN', '', '2YNN', '1XNN', '1ÿNN']) {
      assert.equal(decodeUsPrivacy(raw), undefined, raw);
    }
  });
});

describe('jurisdiction', () => {
  const at = (country?: string, region?: string) =>
    detectJurisdiction(
      country === undefined ? {} : { country, ...(region ? { region } : {}) },
      DEFAULT_CONSENT,
    );
  it('follows upstream jurisdiction.rs', () => {
    assert.deepEqual(at('DE'), { kind: 'gdpr' });
    assert.deepEqual(at('NO'), { kind: 'gdpr' });
    assert.deepEqual(at('GB'), { kind: 'gdpr' });
    assert.deepEqual(at('US', 'CA'), { kind: 'us-state', region: 'CA' });
    assert.deepEqual(at('US', 'WY'), { kind: 'non-regulated' });
    assert.deepEqual(at('US'), { kind: 'non-regulated' });
    assert.deepEqual(at('JP'), { kind: 'non-regulated' });
    assert.deepEqual(detectJurisdiction(null, DEFAULT_CONSENT), { kind: 'unknown' });
    assert.deepEqual(at('de'), { kind: 'gdpr' }, 'case-insensitive');
    assert.deepEqual(at('us', 'ca'), { kind: 'us-state', region: 'CA' });
  });
  it('treats geo without a country as unknown', () => {
    assert.deepEqual(at(), { kind: 'unknown' });
  });
  it('uses the configured lists (Switzerland only when added)', () => {
    assert.deepEqual(at('CH'), { kind: 'non-regulated' });
    const withCh = {
      ...DEFAULT_CONSENT,
      gdpr: { applies_in: [...DEFAULT_CONSENT.gdpr.applies_in, 'CH'] },
    };
    assert.deepEqual(detectJurisdiction({ country: 'CH' }, withCh), { kind: 'gdpr' });
  });
});

describe('readConsentSignals (upstream extraction.rs)', () => {
  const read = (cookie: string | undefined, gpc?: string) => {
    const headers = new Headers();
    if (cookie !== undefined) headers.set('cookie', cookie);
    if (gpc !== undefined) headers.set('sec-gpc', gpc);
    return readConsentSignals(parseCookies(headers), headers);
  };
  it('reads nothing from a bare request', () => {
    assert.deepEqual(read(undefined), { gpc: false });
  });
  it('reads each cookie raw', () => {
    assert.deepEqual(read(`euconsent-v2=${TC_LENIENT_ONLY}`).tc, TC_LENIENT_ONLY);
    const gpp = read('__gpp=DBACNYA~CPXxGfA; __gpp_sid=2,6');
    assert.equal(gpp.gpp, 'DBACNYA~CPXxGfA');
    assert.equal(gpp.gppSid, '2,6');
    assert.equal(read('us_privacy=1YNN').usp, '1YNN');
    assert.deepEqual(read('euconsent-v2=CPXxGf; __gpp=DBAC; __gpp_sid=2,6; us_privacy=1YNN', '1'), {
      gpc: true,
      tc: 'CPXxGf',
      gpp: 'DBAC',
      gppSid: '2,6',
      usp: '1YNN',
    });
  });
  it('takes Sec-GPC only when it is 1 (trimmed)', () => {
    assert.equal(read(undefined, '1').gpc, true);
    assert.equal(read(undefined, ' 1 ').gpc, true);
    assert.equal(read(undefined, '0').gpc, false);
    assert.equal(read(undefined, 'true').gpc, false);
  });
});

describe('consentLogFields', () => {
  it('gives statuses, never a consent string', () => {
    const tc = encodeTc({ purposes: [1] });
    const signals = { tc, gpp: 'DBABLA~BVQqAAAAAgA.QA', usp: '1YNN', gpc: true };
    const fields = consentLogFields(
      buildConsentContext(signals, { country: 'US', region: 'CA' }, DEFAULT_CONSENT, NOW),
    );
    assert.deepEqual(fields, {
      jurisdiction: 'us-CA',
      gdpr_applies: 'true',
      tcf: 'p1',
      gpp: 'us-not-opted-out',
      usp: 'not-opted-out (cookie)',
      gpc: 'true',
    });
    const line = JSON.stringify(fields);
    for (const raw of [tc, signals.gpp, signals.usp]) assert.ok(!line.includes(raw));
  });
  it('names undecodable and expired TCF apart', () => {
    const status = (tc: string) =>
      consentLogFields(buildConsentContext({ tc, gpc: false }, null, DEFAULT_CONSENT, NOW)).tcf;
    assert.equal(status(TC_LENIENT_ONLY), 'undecodable');
    assert.equal(status(TC_2022), 'expired');
    assert.equal(status(encodeTc({ purposes: [2] })), 'no-p1');
  });
});

describe('VendorSet', () => {
  it('merges ranges sent out of order or overlapping, without expanding them', () => {
    const set = rangeVendorSet([50, 60, 1, 3, 55, 70, 4, 4, 100, 100, 65535, 65535]);
    assert.deepEqual(
      [...set.values()],
      [1, 2, 3, 4, ...Array.from({ length: 21 }, (_, i) => 50 + i), 100, 65535],
    );
    assert.equal(set.size, 27);
    for (const [id, member] of [
      [0, false],
      [1, true],
      [5, false],
      [49, false],
      [70, true],
      [71, false],
      [100, true],
      [65534, false],
      [65535, true],
    ] as const) {
      assert.equal(set.has(id), member, `${id}`);
    }
  });

  it('answers a bitfield in place, IDs 1..maxId only', () => {
    const reader = bitReader(bitsToBase64url('1010000001'));
    assert.ok(reader);
    const set = bitfieldVendorSet(reader.sextets, 0, 10);
    assert.deepEqual([...set.values()], [1, 3, 10]);
    assert.equal(set.size, 3);
    assert.equal(set.has(0), false);
    assert.equal(set.has(11), false);
  });
});
