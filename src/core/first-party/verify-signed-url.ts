/**
 * Checks a signed first-party URL and gives back the clear target it stands for, or the one reason
 * it is refused. Follows upstream's `reconstruct_and_validate_signed_target` step for step (same
 * order of checks, same `full`), so every URL upstream signs is accepted here, with two additions:
 * - a second `tsurl` or `tstoken` is refused instead of silently taking the last. Upstream never
 *   writes two, and a URL whose parts disagree about its target is not one to fetch;
 * - a `tsurl` holding a `?` or `#` is refused. Neither signer (ours, upstream's) writes one, and
 *   with one the parameters could move inside `tsurl` and give the same `full`: the token would
 *   still match while `tsexp`, no longer a parameter, went unchecked.
 */
import { TsError } from '../errors.ts';
import { fullUrl, type QueryPair } from './signed-url.ts';
import type { ProxyTokenSigner } from './token.ts';

export type SignedUrlFailure =
  | 'invalid-url'
  | 'missing-tsurl'
  | 'missing-tstoken'
  | 'duplicate-parameter'
  | 'invalid-tsurl'
  | 'invalid-tstoken'
  | 'invalid-tsexp'
  | 'expired-tsexp';

export type SignedUrlCheck =
  | {
      ok: true;
      /** The clear URL to fetch: `tsurl` plus the signed parameters (`tsexp` included, as upstream). */
      target: string;
      tsurl: string;
      /** Whether the target carried parameters of its own (besides `tsexp`). */
      hadParams: boolean;
      /** The `tsexp` the URL carried, in Unix seconds. */
      expiresAt?: number;
    }
  | { ok: false; reason: SignedUrlFailure; message: string };

export interface VerifyOptions {
  /** Milliseconds since the epoch (`services.now()`), for `tsexp`. */
  now: number;
}

/** Origin-form request targets (`/first-party/proxy?…`) are read against this placeholder. */
const REQUEST_BASE = 'https://request.invalid';

/** u64::MAX: upstream parses `tsexp` as a u64, so a larger number is malformed, not far future. */
const MAX_TSEXP = 18446744073709551615n;

export async function verifySignedUrl(
  signer: ProxyTokenSigner,
  requestUrl: string | URL,
  options: VerifyOptions,
): Promise<SignedUrlCheck> {
  let url: URL;
  try {
    url = typeof requestUrl === 'string' ? new URL(requestUrl, REQUEST_BASE) : requestUrl;
  } catch {
    return fail('invalid-url', 'invalid URL');
  }

  const tsurls: string[] = [];
  const tokens: string[] = [];
  const signed: QueryPair[] = [];
  let tsexp: string | undefined;
  let hadParams = false;
  for (const [name, value] of url.searchParams) {
    if (name === 'tsurl') tsurls.push(value);
    else if (name === 'tstoken') tokens.push(value);
    else {
      // tsexp stays in the signed list (the signer appended it); the last one is the expiry.
      if (name === 'tsexp') tsexp = value;
      else hadParams = true;
      signed.push([name, value]);
    }
  }

  const tsurl = tsurls[0];
  if (tsurl === undefined) return fail('missing-tsurl', 'missing tsurl parameter');
  const token = tokens[0];
  if (token === undefined) return fail('missing-tstoken', 'missing tstoken parameter');
  if (tsurls.length > 1 || tokens.length > 1) {
    return fail('duplicate-parameter', 'tsurl or tstoken given more than once');
  }
  if (/[?#]/.test(tsurl)) return fail('invalid-tsurl', 'tsurl carries a query or fragment');

  const target = fullUrl(tsurl, signed);
  if (!(await signer.verify(target, token))) return fail('invalid-tstoken', 'invalid tstoken');

  // Expiry is checked only once the token holds, as upstream: tsexp is signed, so before that
  // point it is just a claim.
  if (tsexp === undefined) return { ok: true, target, tsurl, hadParams };
  if (!/^\+?[0-9]+$/.test(tsexp) || BigInt(tsexp) > MAX_TSEXP) {
    return fail('invalid-tsexp', 'invalid tsexp');
  }
  const expiresAt = BigInt(tsexp);
  // Written as "not at or after now" so a clock that reads NaN refuses rather than admits.
  if (!(expiresAt >= Math.floor(options.now / 1000))) return fail('expired-tsexp', 'expired tsexp');
  return { ok: true, target, tsurl, hadParams, expiresAt: Number(expiresAt) };
}

/**
 * The error a route answers a refused URL with: 403 for a token that does not match (upstream at
 * HEAD), 400 for a URL that is malformed or out of date. The body is the one-line reason: it names
 * a parameter, never a value.
 */
export function signedUrlError(failure: { reason: SignedUrlFailure; message: string }): TsError {
  const code = failure.reason === 'invalid-tstoken' ? 'forbidden' : 'bad_request';
  return new TsError(code, `first-party signed URL: ${failure.message}`, {
    publicMessage: failure.message,
  });
}

function fail(reason: SignedUrlFailure, message: string): SignedUrlCheck {
  return { ok: false, reason, message };
}
