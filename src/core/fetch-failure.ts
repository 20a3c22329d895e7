/**
 * Why a fetch failed, decided once for every platform: each adapter describes its runtime's
 * failure in these neutral terms (it alone knows undici's error classes or Fastly's messages), and
 * this module turns the description into the error the client and the log see.
 *
 * - `connect`: nothing reached the other side (refused, DNS, no route, TLS handshake).
 * - `timeout`: a deadline passed (connect, first byte, between bytes, the whole response).
 * - `reset`: the connection broke or the response was unusable after the request went out
 *   (reset, closed early, a body shorter than announced, a malformed response).
 * - `too_large`: the response was over the caller's size cap.
 *
 * The origin (the publisher's own server) and upstreams (third parties: bidders, partners,
 * creatives) get different codes, so a log reader can tell "the site is down" from "a bidder is".
 */
import { TsError, type ErrorCode } from './errors.ts';

export type FetchFailureKind = 'connect' | 'timeout' | 'reset' | 'too_large';

export type FetchParty = 'origin' | 'upstream';

export interface FetchFailure {
  party: FetchParty;
  kind: FetchFailureKind;
  /** `host[:port]` of what was fetched, for the log. */
  host: string;
  /** The platform's own words (error code, message); for the log only. */
  detail: string;
  cause?: unknown;
}

const CODES: Record<FetchParty, Record<FetchFailureKind, ErrorCode>> = {
  origin: {
    connect: 'origin_unreachable',
    timeout: 'origin_timeout',
    reset: 'origin_failed',
    too_large: 'origin_failed',
  },
  upstream: {
    // Callers of third parties treat "never reached" and "broke off" alike: no bid, no sync.
    connect: 'upstream_failed',
    timeout: 'upstream_timeout',
    reset: 'upstream_failed',
    too_large: 'upstream_too_large',
  },
};

export function fetchFailureError(failure: FetchFailure): TsError {
  return new TsError(
    CODES[failure.party][failure.kind],
    `${failure.party} ${failure.host}: ${failure.detail}`,
    failure.cause === undefined ? {} : { cause: failure.cause },
  );
}

/**
 * For platforms whose fetch reports failures only as text (Workers, Fastly): the kind the words
 * name. Words that name none of them mean nothing usable came back: `connect`.
 */
export function failureKindFromMessage(message: string): FetchFailureKind {
  if (/timed?[\s_-]*out|deadline/i.test(message)) return 'timeout';
  if (/too large|exceed|size limit/i.test(message)) return 'too_large';
  if (
    /reset|connection (was )?(lost|closed)|other side closed|premature|incomplete|EPIPE/i.test(
      message,
    )
  ) {
    return 'reset';
  }
  return 'connect';
}
