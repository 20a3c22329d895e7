/**
 * The settings a Fastly Config Store may override at run time, named exactly like the
 * `TRUSTED_SERVER__…` environment overrides (and coerced by the same rules).
 *
 * A fixed list because the Config Store can only be read key by key (there is no listing), and
 * each read is a host call; and because it keeps secrets out by construction: none of these keys is
 * a secret, and secrets come only from the Secret Store. These are the operational knobs worth
 * changing without a rebuild: where the origin is, how long to wait for it, log verbosity, the
 * operator's response headers.
 */
export const CONFIG_STORE_KEYS = [
  'TRUSTED_SERVER__PUBLISHER__ORIGIN_URL',
  'TRUSTED_SERVER__PROXY__CONNECT_TIMEOUT_MS',
  'TRUSTED_SERVER__PROXY__FIRST_BYTE_TIMEOUT_MS',
  'TRUSTED_SERVER__PROXY__BETWEEN_BYTES_TIMEOUT_MS',
  'TRUSTED_SERVER__PROXY__MAX_DECODED_BODY_BYTES',
  'TRUSTED_SERVER__REWRITE__EXCLUDE_DOMAINS',
  'TRUSTED_SERVER__RESPONSE_HEADERS',
  'TRUSTED_SERVER__AUCTION__TIMEOUT_MS',
  'TRUSTED_SERVER__LOGGING__LEVEL',
] as const;
