/**
 * A graph entry's partner UIDs as OpenRTB EIDs for the auction (upstream `ec/eids.rs`): only the
 * partners the registry still has and that opted into the bidstream (`bidstream_enabled`). What is
 * left out is listed with the reason, for the admin view.
 */
import type { GraphEntry } from './graph-entry.ts';
import type { PartnerRegistry } from './partners.ts';

export interface GraphEid {
  source: string;
  uids: [{ id: string; atype: number }];
}

export interface SkippedPartnerId {
  source_domain: string;
  reason: 'empty_uid' | 'not_in_registry' | 'bidstream_disabled';
}

export interface GraphEids {
  /** Sorted by source domain, so the same entry always gives the same list. */
  eids: GraphEid[];
  skipped: SkippedPartnerId[];
}

export function graphEids(entry: GraphEntry, registry: PartnerRegistry): GraphEids {
  const result: GraphEids = { eids: [], skipped: [] };
  for (const key of Object.keys(entry.ids).sort()) {
    const uid = entry.ids[key]?.uid ?? '';
    const partner = registry.bySourceDomain(key);
    const reason =
      uid === ''
        ? 'empty_uid'
        : partner === undefined
          ? 'not_in_registry'
          : !partner.bidstream_enabled
            ? 'bidstream_disabled'
            : undefined;
    if (reason !== undefined) result.skipped.push({ source_domain: key, reason });
    else if (partner !== undefined) {
      result.eids.push({
        source: partner.source_domain,
        uids: [{ id: uid, atype: partner.openrtb_atype }],
      });
    }
  }
  return result;
}
