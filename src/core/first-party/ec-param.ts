/**
 * The reader's Edge Cookie ID on a creative or click URL (`ts-ec=<id>`), stricter than upstream:
 * only when the reader's consent allows an Edge Cookie at all, and only the ID from the validated
 * `ts-ec` cookie. Upstream also takes an `x-ts-ec` request header, which anyone can send: a
 * creative host would then be told whatever ID a caller chose. Any `ts-ec` the target carried is
 * replaced, so a creative cannot pin an ID of its own choosing on a consenting reader's request.
 */
import { allowsEcCreation } from '../consent/decisions.ts';
import type { EcState } from '../identity/ec-lifecycle.ts';

export const EC_PARAM = 'ts-ec';

/** `url` with the reader's ID when it may carry it; `forwarded` says whether it does. */
export function withEcParam(url: URL, ec: EcState | undefined): { url: URL; forwarded: boolean } {
  const id = ec?.id;
  if (ec === undefined || id === undefined || !allowsEcCreation(ec.consent)) {
    return { url, forwarded: false };
  }
  const out = new URL(url);
  out.searchParams.delete(EC_PARAM);
  out.searchParams.append(EC_PARAM, id);
  return { url: out, forwarded: true };
}
