/**
 * `[request_signing]`: Ed25519 signatures on outgoing bid requests, the key ring behind them and
 * its admin endpoints. On Node and Cloudflare the keys live in the server's own store (`[store]`,
 * the Durable Object), so the two store names only matter on Fastly, whose keys live in a Config
 * Store (public JWKs, `current-kid`, `active-kids`) and a Secret Store (seeds), as upstream's do;
 * the Fastly build refuses a configuration without them (src/fastly/unsupported-settings.ts).
 */
import { bool, int, object, str } from '../schema.ts';

/**
 * Seven days: verifiers cache the discovery document (for at most an hour here, see
 * `discoveryMaxAgeSeconds`), but partners also pin keys in their own caches and replay logged
 * requests when they investigate a bid; a week covers a weekly refresh job with room to spare,
 * and a retired key costs nothing while it waits.
 */
export const DEFAULT_ROTATION_OVERLAP_SECS = 7 * 24 * 3600;

export const requestSigning = object({
  enabled: bool().default(false),
  /** Fastly: API store ID of the Config Store linked as `jwks_store` (writes via the API only). */
  config_store_id: str({ nonEmpty: true }).optional(),
  /** Fastly: API store ID of the Secret Store linked as `signing_keys` (writes via the API). */
  secret_store_id: str({ nonEmpty: true }).optional(),
  /**
   * How long a key rotated out of `current` stays published before it may be deactivated. At
   * least a minute, so the discovery document's `max-age` (half of it, at most an hour) is never 0.
   */
  rotation_overlap_secs: int({ min: 60, max: 365 * 24 * 3600 }).default(
    DEFAULT_ROTATION_OVERLAP_SECS,
  ),
  /**
   * Beyond upstream: `/verify-signature` also refuses a payload whose `ts` is further than this
   * from now (either way). Absent: any `ts`, as upstream.
   */
  verify_max_age_secs: int({ min: 1, max: 365 * 24 * 3600 }).optional(),
});

/**
 * The discovery document's `Cache-Control: max-age`: shorter than the overlap, so a verifier that
 * honours it has seen a new key long before the old one can disappear; capped at an hour so a
 * rotation reaches every verifier within one.
 */
export function discoveryMaxAgeSeconds(overlapSeconds: number): number {
  return Math.min(3600, Math.floor(overlapSeconds / 2));
}
