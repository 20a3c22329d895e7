/** Graph entry → auction EIDs (src/core/identity/graph-eids.ts), upstream `eids.rs` and admin. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGraphEntry } from '../../src/core/identity/graph-entry.ts';
import { graphEids } from '../../src/core/identity/graph-eids.ts';
import { createPartnerRegistry } from '../../src/core/identity/partners.ts';
import { partnerSettings } from './partner-fixtures.ts';

describe('graph EIDs', () => {
  it('emits bidstream partners sorted by source, and says why the rest were left out', async () => {
    const registry = await createPartnerRegistry(
      partnerSettings(`
[[ec.partners]]
name = "Alpha"
source_domain = "alpha.example"
api_token = "partner-c-token-0123456789abcdef0123"
bidstream_enabled = true
`).ec.partners,
    );
    const parsed = parseGraphEntry(
      JSON.stringify({
        v: 1,
        created: 1,
        consent: { ok: true, updated: 1 },
        geo: { country: 'US' },
        ids: {
          'ssp.example': { uid: 'uid-ssp' },
          'alpha.example': { uid: 'uid-alpha' },
          'sync.example': { uid: 'uid-sync' },
          'gone.example': { uid: 'uid-gone' },
          'empty.example': { uid: '' },
        },
      }),
    );
    assert.ok(parsed.ok);
    assert.deepEqual(graphEids(parsed.entry, registry), {
      eids: [
        { source: 'alpha.example', uids: [{ id: 'uid-alpha', atype: 3 }] },
        { source: 'ssp.example', uids: [{ id: 'uid-ssp', atype: 1 }] },
      ],
      skipped: [
        { source_domain: 'empty.example', reason: 'empty_uid' },
        { source_domain: 'gone.example', reason: 'not_in_registry' },
        { source_domain: 'sync.example', reason: 'bidstream_disabled' },
      ],
    });
  });
});
