/**
 * The IAB US Privacy string: exactly four characters, version `1`, then notice given, opted out
 * of sale and LSPA covered, each `Y`/`y`, `N`/`n` or `-`. Anything else is undecodable. Used for
 * the `us_privacy` cookie and GPP section 6 alike (the GPP library accepts any letter there).
 */
import type { PrivacyFlag, UsPrivacy } from './types.ts';

function flag(char: string | undefined): PrivacyFlag | undefined {
  if (char === 'Y' || char === 'y') return 'yes';
  if (char === 'N' || char === 'n') return 'no';
  if (char === '-') return 'not-applicable';
  return undefined;
}

export function decodeUsPrivacy(raw: string): UsPrivacy | undefined {
  if (raw.length !== 4 || raw[0] !== '1') return undefined;
  const noticeGiven = flag(raw[1]);
  const optOutSale = flag(raw[2]);
  const lspaCovered = flag(raw[3]);
  if (noticeGiven === undefined || optOutSale === undefined || lspaCovered === undefined) {
    return undefined;
  }
  return Object.freeze({ version: 1, noticeGiven, optOutSale, lspaCovered });
}

const LETTER: Record<PrivacyFlag, string> = { yes: 'Y', no: 'N', 'not-applicable': '-' };

export function encodeUsPrivacy(usp: UsPrivacy): string {
  return `1${LETTER[usp.noticeGiven]}${LETTER[usp.optOutSale]}${LETTER[usp.lspaCovered]}`;
}
