/**
 * The partners that sync IDs with the Edge Cookie (`[[ec.partners]]`), indexed for the two ways a
 * request names one: by `source_domain` (EIDs, the graph's `ids` keys) and by API token (the
 * Bearer token of identify and batch sync). Settings validation already refused duplicates.
 */
import type { Settings } from '../settings/settings-schema.ts';
import { sha256Hex } from '../bytes/sha256-hex.ts';

export type Partner = Settings['ec']['partners'][number];

export interface PartnerRegistry {
  /** The partner for a source domain, in any case and with or without a trailing dot. */
  bySourceDomain(domain: string): Partner | undefined;
  /**
   * The partner whose API token this is. The token's SHA-256 is looked up in a map built at start:
   * no comparison of secrets, so no timing to measure, and the plaintext is never kept.
   */
  byToken(token: string): Promise<Partner | undefined>;
  /** Every partner, sorted by source domain. */
  all(): readonly Partner[];
}

export function normalizeSourceDomain(domain: string): string {
  return domain.replace(/\.$/, '').toLowerCase();
}

export async function createPartnerRegistry(
  partners: Settings['ec']['partners'],
): Promise<PartnerRegistry> {
  const sorted = [...partners].sort((a, b) =>
    a.source_domain < b.source_domain ? -1 : a.source_domain > b.source_domain ? 1 : 0,
  );
  const byDomain = new Map(sorted.map((partner) => [partner.source_domain, partner]));
  const byTokenHash = new Map(
    await Promise.all(
      sorted.map(
        async (partner) => [await sha256Hex(partner.api_token.reveal()), partner] as const,
      ),
    ),
  );
  return {
    bySourceDomain: (domain) => byDomain.get(normalizeSourceDomain(domain)),
    byToken: async (token) => byTokenHash.get(await sha256Hex(token)),
    all: () => sorted,
  };
}
