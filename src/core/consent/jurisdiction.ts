/**
 * Which privacy regime a request falls under, from its geo and `[consent]`: a country in
 * `gdpr.applies_in` is GDPR; the US with a region in `us_states.privacy_states` is that state;
 * any other known place is non-regulated. No geo, or geo without a country, is unknown, and
 * unknown fails closed in every decision that needs consent.
 */
import type { Settings } from '../settings/settings-schema.ts';
import type { GeoInfo } from '../services.ts';
import type { Jurisdiction } from './types.ts';

const sameCode = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();

export function detectJurisdiction(geo: GeoInfo | null, config: Settings['consent']): Jurisdiction {
  const country = geo?.country;
  if (country === undefined || country === '') return { kind: 'unknown' };
  // GDPR first: `DE` is Germany here; Delaware only ever appears as a region of `US`.
  if (config.gdpr.applies_in.some((code) => sameCode(code, country))) return { kind: 'gdpr' };
  const region = geo?.region;
  if (
    sameCode(country, 'US') &&
    region !== undefined &&
    config.us_states.privacy_states.some((state) => sameCode(state, region))
  ) {
    return { kind: 'us-state', region: region.toUpperCase() };
  }
  return { kind: 'non-regulated' };
}
