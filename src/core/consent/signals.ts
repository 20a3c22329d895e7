/**
 * The consent signals a request carries, read as sent: the IAB cookies and `Sec-GPC`. Nothing is
 * decoded or judged here (pipeline.ts does that), and only request-local signals count: upstream
 * never persists consent.
 */
import type { Cookies } from '../http/cookies.ts';

export interface ConsentSignals {
  /** `euconsent-v2`: a TCF v2 TC string. */
  tc?: string;
  /** `__gpp`: a GPP string. */
  gpp?: string;
  /** `__gpp_sid`: the GPP section IDs as a comma list, a hint when `__gpp` cannot be read. */
  gppSid?: string;
  /** `us_privacy`: the four-character US Privacy string. */
  usp?: string;
  /** `Sec-GPC: 1` (Global Privacy Control). */
  gpc: boolean;
}

export function readConsentSignals(cookies: Cookies, headers: Headers): ConsentSignals {
  const signals: ConsentSignals = { gpc: headers.get('sec-gpc')?.trim() === '1' };
  const tc = cookies.get('euconsent-v2');
  const gpp = cookies.get('__gpp');
  const gppSid = cookies.get('__gpp_sid');
  const usp = cookies.get('us_privacy');
  if (tc !== undefined) signals.tc = tc;
  if (gpp !== undefined) signals.gpp = gpp;
  if (gppSid !== undefined) signals.gppSid = gppSid;
  if (usp !== undefined) signals.usp = usp;
  return signals;
}
