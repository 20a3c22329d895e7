/**
 * The identity graph entry (src/core/identity/graph-entry.ts): upstream-written entries read here,
 * what is written reads back identically, each invalid field is named, raw consent strings never
 * survive a rewrite, and the parser never throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  graphMetadata,
  isTombstone,
  MAX_UID_BYTES,
  newGraphEntry,
  parseGraphEntry,
  serializeGraphEntry,
  tombstoneEntry,
  type GraphEntry,
} from '../../src/core/identity/graph-entry.ts';

function parsed(text: string): GraphEntry {
  const result = parseGraphEntry(text);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.entry;
}

function error(value: unknown): string {
  const result = parseGraphEntry(typeof value === 'string' ? value : JSON.stringify(value));
  assert.ok(!result.ok, 'expected the entry to be refused');
  return result.error;
}

const LIVE = { v: 1, created: 1000, consent: { ok: true, updated: 1000 }, geo: { country: 'US' } };

describe('graph entry', () => {
  it('reads an entry upstream wrote, legacy fields and all, and drops the raw consent strings', () => {
    const upstream = {
      v: 1,
      created: 1000,
      last_seen: 1200,
      consent: { tcf: 'CP_test_tc_string', gpp: 'DBA_test_gpp', ok: true, updated: 1000 },
      geo: { country: 'US', region: 'CA', asn: 7922, dma: 807 },
      ids: { 'liveramp.com': { uid: 'LR_xyz', synced: 1100 }, ssp_x: { uid: 'legacy-name-key' } },
      pub_properties: {
        origin_domain: 'example.com',
        seen_domains: { 'example.com': { first: 1000, last: 1200, visits: 3 } },
      },
      device: { is_mobile: 0, ja4_class: 't13d1516h2', platform_class: 'mac', known_browser: true },
      network: { cluster_size: 5, cluster_checked: 1200 },
    };
    const entry = parsed(JSON.stringify(upstream));
    const text = serializeGraphEntry(entry);
    assert.equal(
      text,
      JSON.stringify({
        v: 1,
        created: 1000,
        consent: { ok: true, updated: 1000 },
        geo: { country: 'US', region: 'CA', asn: 7922, dma: 807 },
        pub_properties: { origin_domain: 'example.com', seen_domains: ['example.com'] },
        device: {
          is_mobile: 0,
          ja4_class: 't13d1516h2',
          platform_class: 'mac',
          known_browser: true,
        },
        network: { cluster_size: 5 },
        ids: { 'liveramp.com': { uid: 'LR_xyz' }, ssp_x: { uid: 'legacy-name-key' } },
      }),
    );
    assert.ok(!text.includes('CP_test') && !text.includes('DBA_'));
    assert.deepEqual(parsed(text), entry);
  });

  it('round-trips new entries and tombstones, and tells them apart', () => {
    const entry = newGraphEntry(
      {
        geo: { country: 'DE', region: 'BE' },
        publisherDomain: 'News.Example.',
        device: { is_mobile: 1, platform_class: 'ios', h2_fp_hash: '0123456789ab' },
      },
      1_741_824_000,
    );
    assert.deepEqual(entry.pub_properties, {
      origin_domain: 'news.example',
      seen_domains: ['news.example'],
    });
    assert.deepEqual(parsed(serializeGraphEntry(entry)), entry);
    assert.ok(!isTombstone(entry));
    const tombstone = tombstoneEntry(2000);
    assert.equal(
      serializeGraphEntry(tombstone),
      '{"v":1,"created":2000,"consent":{"ok":false,"updated":2000},"geo":{"country":"ZZ"}}',
    );
    assert.ok(isTombstone(parsed(serializeGraphEntry(tombstone))));
    // No geo known: "ZZ". A publisher domain that is not a host name is left out.
    const bare = newGraphEntry({ publisherDomain: 'not a domain' }, 5);
    assert.equal(bare.geo.country, 'ZZ');
    assert.equal(bare.pub_properties, undefined);
  });

  it('names the field that is wrong', () => {
    assert.match(error('{'), /not JSON/);
    assert.match(error([]), /^entry must be an object/);
    assert.match(error({ ...LIVE, v: 2 }), /^v must be 1 \(unsupported schema version 2\)/);
    assert.match(error({ ...LIVE, v: undefined }), /^v must be 1/);
    assert.match(error({ ...LIVE, created: -1 }), /^created /);
    assert.match(error({ ...LIVE, consent: { ok: 'yes', updated: 1 } }), /^consent\.ok /);
    assert.match(error({ ...LIVE, consent: { ok: true, updated: 1, tcf: 5 } }), /^consent\.tcf /);
    assert.match(error({ ...LIVE, geo: {} }), /^geo\.country /);
    assert.match(error({ ...LIVE, geo: { country: 'US', asn: 1.5 } }), /^geo\.asn /);
    assert.match(error({ ...LIVE, device: { is_mobile: 3 } }), /^device\.is_mobile /);
    assert.match(
      error({ ...LIVE, device: { is_mobile: 0, h2_fp_hash: 'ABCDEF012345' } }),
      /^device\.h2_fp_hash /,
    );
    assert.match(error({ ...LIVE, network: { cluster_size: -1 } }), /^network\.cluster_size /);
    assert.match(error({ ...LIVE, ids: { 'a.example': { uid: 7 } } }), /^ids\.a\.example\.uid /);
    assert.match(error({ ...LIVE, ids: { 'a b': { uid: 'x' } } }), /^ids key "a b" /);
    assert.match(
      error({ ...LIVE, pub_properties: { origin_domain: 'Example.COM' } }),
      /^pub_properties\.origin_domain /,
    );
    assert.match(
      error({
        ...LIVE,
        pub_properties: { origin_domain: 'a.example', seen_domains: ['x_y.example'] },
      }),
      /^pub_properties\.seen_domains\[0\] /,
    );
    const many = Array.from({ length: 51 }, (_, index) => `d${index}.example`);
    assert.match(
      error({ ...LIVE, pub_properties: { origin_domain: 'a.example', seen_domains: many } }),
      /more than 50 domains/,
    );
  });

  it('takes a UID of 512 bytes and refuses 513, counting bytes not characters', () => {
    const at = (uid: string) => ({ ...LIVE, ids: { 'p.example': { uid } } });
    assert.equal(
      parsed(JSON.stringify(at('x'.repeat(MAX_UID_BYTES)))).ids['p.example']?.uid.length,
      512,
    );
    assert.match(error(at('x'.repeat(MAX_UID_BYTES + 1))), /^ids\.p\.example\.uid is 513 bytes/);
    assert.match(error(at('é'.repeat(257))), /is 514 bytes/);
    // What the validator refuses is never written either.
    const entry = parsed(JSON.stringify(LIVE));
    entry.ids['p.example'] = { uid: 'x'.repeat(MAX_UID_BYTES + 1) };
    assert.throws(() => serializeGraphEntry(entry), { code: 'internal' });
  });

  it('keeps a partner key that names a property of Object as an ordinary key', () => {
    const entry = parsed(JSON.stringify({ ...LIVE, ids: { constructor: { uid: 'c' } } }));
    assert.deepEqual(entry.ids['constructor'], { uid: 'c' });
    assert.equal(parsed(JSON.stringify(LIVE)).ids['constructor'], undefined);
    const proto = parsed(
      '{"v":1,"created":1,"consent":{"ok":true,"updated":1},"geo":{"country":"US"},"ids":{"__proto__":{"uid":"p"}}}',
    );
    assert.match(serializeGraphEntry(proto), /"ids":\{"__proto__":\{"uid":"p"\}\}/);
  });

  it('metadata mirrors consent, country, version, cluster and device, far below 1000 bytes', () => {
    const entry = parsed(
      JSON.stringify({
        ...LIVE,
        device: { is_mobile: 1, known_browser: true },
        network: { cluster_size: 3 },
      }),
    );
    assert.deepEqual(JSON.parse(graphMetadata(entry)), {
      ok: true,
      country: 'US',
      v: 1,
      cluster_size: 3,
      is_mobile: 1,
      known_browser: true,
    });
    assert.deepEqual(JSON.parse(graphMetadata(tombstoneEntry(1))), {
      ok: false,
      country: 'ZZ',
      v: 1,
    });
    const longest = parsed(
      JSON.stringify({
        ...LIVE,
        geo: { country: 'X'.repeat(16) },
        device: { is_mobile: 2, known_browser: false },
        network: { cluster_size: 4294967295 },
      }),
    );
    assert.ok(graphMetadata(longest).length < 200);
  });

  it('never throws on any text or JSON, and what it accepts it writes back unchanged', () => {
    const check = (text: string) => {
      const result = parseGraphEntry(text);
      if (result.ok) {
        const written = serializeGraphEntry(result.entry);
        assert.equal(serializeGraphEntry(parsed(written)), written);
      } else {
        assert.equal(typeof result.error, 'string');
      }
    };
    fc.assert(fc.property(fc.string({ unit: 'binary' }), check), { numRuns: 1000 });
    fc.assert(fc.property(fc.json(), check), { numRuns: 1000 });
    // Near-valid entries, where the interesting failures are.
    const nearly = fc.record(
      {
        v: fc.constantFrom(1, 1, 2, '1'),
        created: fc.oneof(fc.nat(), fc.double()),
        consent: fc.record({ ok: fc.oneof(fc.boolean(), fc.constant(null)), updated: fc.nat() }),
        geo: fc.record({ country: fc.string(), asn: fc.option(fc.integer()) }),
        ids: fc.dictionary(fc.string(), fc.record({ uid: fc.oneof(fc.string(), fc.nat()) })),
        device: fc.record(
          { is_mobile: fc.integer({ min: -1, max: 3 }), h2_fp_hash: fc.string() },
          {
            requiredKeys: ['is_mobile'],
          },
        ),
      },
      { requiredKeys: ['v', 'consent', 'geo'] },
    );
    fc.assert(
      fc.property(nearly, (value) => check(JSON.stringify(value))),
      { numRuns: 2000 },
    );
  });
});
