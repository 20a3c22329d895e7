/**
 * The shape checks every geo source goes through (request headers, a MaxMind database, the
 * configuration): a value that does not look like what it claims to be is dropped, never passed
 * on as the client's location.
 */
import { countryCode } from './country-codes.ts';

export { countryCode } from './country-codes.ts';

/** The subdivision part of an ISO 3166-2 code: one to three letters or digits (`CA`, `ENG`, `75`). */
const SUBDIVISION = /^[A-Z0-9]{1,3}$/;

/**
 * `CA`, `ca` or `US-CA` → `CA`. A prefixed code must name a real country, and `country` when one
 * is given (a `DE-BY` region for a client in `US` is inconsistent, so neither part is believed).
 */
export function regionCode(text: string, country?: string): string | undefined {
  const code = text.trim().toUpperCase();
  const dash = code.indexOf('-');
  if (dash === -1) return SUBDIVISION.test(code) ? code : undefined;
  const prefix = countryCode(code.slice(0, dash));
  if (prefix === undefined || (country !== undefined && prefix !== country)) return undefined;
  const subdivision = code.slice(dash + 1);
  return SUBDIVISION.test(subdivision) ? subdivision : undefined;
}

/** Largest 32-bit AS number; 4294967295 itself is reserved. */
const MAX_ASN = 4294967294;

/** `7922` or `AS7922` → 7922. Zero, reserved and out-of-range numbers → undefined. */
export function asNumber(text: string): number | undefined {
  const match = /^(?:AS)?(\d{1,10})$/i.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  return value >= 1 && value <= MAX_ASN ? value : undefined;
}
