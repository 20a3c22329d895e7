/**
 * The device signals a platform hands core: fingerprints it computed from the connection, where it
 * has them, and the user-agent class everywhere. Values a platform reports are checked for shape
 * before they are believed: a malformed fingerprint is dropped, not passed on.
 */
import { classifyUserAgent, type UaClass } from './ua-class.ts';

export type { FormFactor, PlatformClass, UaClass } from './ua-class.ts';

export interface DeviceSignals {
  /**
   * The JA4 fingerprint of the TLS ClientHello (`t13d1516h2_8daaf6152771_02713d6af862`): which TLS
   * stack the client runs, not who it is. Fastly computes it; Cloudflare with Bot Management.
   */
  ja4?: string;
  /** The HTTP/2 fingerprint (SETTINGS, window update, priority, pseudo-header order). Fastly. */
  h2?: string;
  uaClass: UaClass;
}

/** JA4's three sections: `a` (10 characters) `_` `b` (12 hex) `_` `c` (12 hex). */
const JA4 = /^[a-z0-9]{10}_[0-9a-f]{12}_[0-9a-f]{12}$/;
/** Printable ASCII, no spaces, bounded: what every HTTP/2 fingerprint format fits in. */
const H2_FINGERPRINT = /^[\x21-\x7e]{1,256}$/;

export function deviceSignalsOf(
  userAgent: string | null | undefined,
  ja4?: string | null,
  h2?: string | null,
): DeviceSignals {
  const signals: DeviceSignals = { uaClass: classifyUserAgent(userAgent) };
  if (typeof ja4 === 'string' && JA4.test(ja4)) signals.ja4 = ja4;
  if (typeof h2 === 'string' && H2_FINGERPRINT.test(h2)) signals.h2 = h2;
  return signals;
}

/** For adapters with no connection fingerprints of their own (Node). */
export function userAgentSignals(request: Request): DeviceSignals {
  return deviceSignalsOf(request.headers.get('user-agent'));
}
