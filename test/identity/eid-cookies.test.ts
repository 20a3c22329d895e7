/**
 * Partner IDs from the `ts-eids` and `sharedId` cookies (src/core/identity/eid-cookies.ts):
 * upstream `prebid_eids.rs`'s cases, the admin preview, and a decoder that never throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeEidsCookie,
  MAX_EIDS_COOKIE_BYTES,
  partnerIdsFromCookies,
  previewEidCookies,
} from '../../src/core/identity/eid-cookies.ts';
import { createPartnerRegistry } from '../../src/core/identity/partners.ts';
import { partnerSettings } from './partner-fixtures.ts';

const encode = (value: unknown) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))));

const registry = await createPartnerRegistry(
  partnerSettings(`
[[ec.partners]]
name = "ID5"
source_domain = "id5-sync.com"
api_token = "partner-c-token-0123456789abcdef0123"

[[ec.partners]]
name = "SharedID"
source_domain = "sharedid.org"
api_token = "partner-d-token-0123456789abcdef0123"
`).ec.partners,
);

describe('ts-eids cookie', () => {
  it('decodes the structured form, dropping empty sources, ids, negative atypes and non-object ext', () => {
    const decoded = decodeEidsCookie(
      encode([
        { source: 'id5-sync.com', uids: [{ id: 'ID5_abc', atype: 1, ext: { linkType: 2 } }] },
        {
          source: 'ssp.example',
          uids: [
            { id: '', atype: 1 },
            { id: 'u', atype: -1, ext: 'x' },
          ],
        },
        { source: '', uids: [{ id: 'orphan' }] },
        { source: 'empty.example', uids: [] },
        { source: 'no-uids.example' },
      ]),
    );
    assert.deepEqual(decoded, {
      ok: true,
      format: 'structured',
      eids: [
        { source: 'id5-sync.com', uids: [{ id: 'ID5_abc', atype: 1, ext: { linkType: 2 } }] },
        { source: 'ssp.example', uids: [{ id: 'u' }] },
      ],
    });
  });

  it('decodes the legacy flat form', () => {
    assert.deepEqual(
      decodeEidsCookie(
        encode([
          { source: 'id5-sync.com', id: 'ID5_abc', atype: 1 },
          { source: 'google.com', id: 'pair-id', atype: 571187 },
          { source: 'x.example', id: '', atype: 1 },
        ]),
      ),
      {
        ok: true,
        format: 'legacy',
        eids: [
          { source: 'id5-sync.com', uids: [{ id: 'ID5_abc', atype: 1 }] },
          { source: 'google.com', uids: [{ id: 'pair-id', atype: 571187 }] },
        ],
      },
    );
  });

  it('refuses oversize, non-base64, non-JSON and wrongly shaped cookies', () => {
    const refused = (value: string, pattern: RegExp) => {
      const result = decodeEidsCookie(value);
      assert.ok(!result.ok && pattern.test(result.error), JSON.stringify(result));
    };
    refused('A'.repeat(MAX_EIDS_COOKIE_BYTES + 4), /over 8192 bytes/);
    refused('not base64!', /base64/);
    refused('eyJhIg', /base64/); // unpadded
    refused(btoa('{"a":'), /not JSON/);
    refused(encode({ source: 'x' }), /not a JSON array/);
    refused(encode([{ source: 'x', uids: [{ id: 1 }] }]), /entry 0 is not an EID/);
    refused(encode([{ source: 'x', uids: [{ id: 'a', atype: 1.5 }] }]), /entry 0/);
  });

  it('matches registered partners, first storable UID each, sharedId last and winning', async () => {
    const eids = encode([
      {
        source: 'ID5-Sync.com',
        uids: [{ id: 'x'.repeat(513) }, { id: '  ' }, { id: 'ID5_valid' }],
      },
      { source: 'unknown.example', uids: [{ id: 'u' }] },
      { source: 'sharedid.org', uids: [{ id: 'prebid-shared' }] },
      { source: 'ssp.example', uids: [{ id: 'ssp-1' }] },
      { source: 'ssp.example', uids: [{ id: 'ssp-2' }] },
    ]);
    assert.deepEqual(partnerIdsFromCookies({ eids, sharedId: ' cookie-shared ' }, registry), [
      { sourceDomain: 'id5-sync.com', uid: 'ID5_valid' },
      { sourceDomain: 'sharedid.org', uid: 'cookie-shared' },
      { sourceDomain: 'ssp.example', uid: 'ssp-2' },
    ]);
    assert.deepEqual(partnerIdsFromCookies({ eids: 'garbage', sharedId: 'only' }, registry), [
      { sourceDomain: 'sharedid.org', uid: 'only' },
    ]);
    assert.deepEqual(partnerIdsFromCookies({ sharedId: 'x'.repeat(513) }, registry), []);
    const noSharedPartner = await createPartnerRegistry(partnerSettings().ec.partners);
    assert.deepEqual(partnerIdsFromCookies({ sharedId: 'abc' }, noSharedPartner), []);
  });

  it('previews what ingestion would store and why the rest is dropped', () => {
    const eids = encode([
      { source: 'id5-sync.com', uids: [{ id: 'ID5_abc', atype: 1 }] },
      { source: 'ssp.example', uids: [{ id: '   ' }] },
      { source: 'unknown.example', uids: [{ id: 'u' }] },
    ]);
    assert.deepEqual(previewEidCookies({ eids, sharedId: 's' }, registry), {
      cookie_present: true,
      sharedid_present: true,
      partners_configured: 4,
      eids: [
        { source: 'id5-sync.com', uids: [{ id: 'ID5_abc', atype: 1 }] },
        { source: 'ssp.example', uids: [{ id: '   ' }] },
        { source: 'unknown.example', uids: [{ id: 'u' }] },
      ],
      ingest: {
        matched: [
          { source_domain: 'id5-sync.com', uid: 'ID5_abc' },
          { source_domain: 'sharedid.org', uid: 's' },
        ],
        unmatched: [
          { source: 'ssp.example', reason: 'no_valid_uid' },
          { source: 'unknown.example', reason: 'no_partner' },
        ],
      },
    });
    const broken = previewEidCookies({ eids: '%%%' }, registry);
    assert.equal(
      broken.parse_error,
      'failed to parse ts-eids cookie: cookie is not standard base64 of UTF-8',
    );
    assert.equal(broken.eids, undefined);
    assert.deepEqual(previewEidCookies({}, registry).ingest, { matched: [], unmatched: [] });
  });

  it('never throws, on any text or any base64 of JSON', () => {
    const run = (eids: string, sharedId: string) => {
      decodeEidsCookie(eids);
      for (const update of partnerIdsFromCookies({ eids, sharedId }, registry)) {
        assert.ok(registry.bySourceDomain(update.sourceDomain) !== undefined);
        assert.ok(update.uid.trim() !== '' && new TextEncoder().encode(update.uid).length <= 512);
      }
      previewEidCookies({ eids, sharedId }, registry);
    };
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string(), run), { numRuns: 1000 });
    fc.assert(
      fc.property(fc.json(), fc.string(), (json, shared) => run(encode(JSON.parse(json)), shared)),
      { numRuns: 1000 },
    );
    const uid = fc.record(
      {
        id: fc.oneof(fc.string(), fc.nat()),
        atype: fc.oneof(fc.integer(), fc.double(), fc.constant(null)),
        ext: fc.anything(),
      },
      { requiredKeys: [] },
    );
    const eid = fc.record(
      {
        source: fc.constantFrom('id5-sync.com', 'ssp.example', '', 'x.example'),
        uids: fc.array(uid),
        id: fc.string(),
        atype: fc.integer(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(eid), fc.string(), (value, shared) => run(encode(value), shared)),
      { numRuns: 1000 },
    );
  });
});
