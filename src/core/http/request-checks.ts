/**
 * Requests refused before anything reads them, because two parties on the path could read them
 * differently.
 */
import { TsError } from '../errors.ts';

/** `h2c` anywhere in an `Upgrade` list. */
const H2C = /(?:^|,)\s*h2c\s*(?:,|$)/i;

function refuse(detail: string): never {
  throw new TsError('bad_request', detail, { publicMessage: `Bad request: ${detail}` });
}

/**
 * - More than one `Host` (RFC 9112 §3.2: "MUST respond with a 400"): runtimes join repeated fields
 *   with a comma, which no host name contains; which one would an origin believe?
 * - `Upgrade: h2c`: HTTP/2 over cleartext is deprecated (RFC 9113 §3.1) and a classic way to
 *   smuggle a tunnel past a proxy's rules; answering it over HTTP/1.1 would hide the refusal.
 */
export function refuseAmbiguousRequest(headers: Headers): void {
  if (headers.get('host')?.includes(',')) refuse('more than one Host header');
  const upgrade = headers.get('upgrade');
  if (upgrade !== null && H2C.test(upgrade)) refuse('h2c upgrade is not supported');
}
