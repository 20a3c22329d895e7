/**
 * Upstream's request-signing fixture (fastly.toml `signing_keys` / `jwks_store`, kid
 * `ts-2025-10-A`) and the signature upstream's Rust signer produces for its test payload.
 */
export const FIXTURE_KID = 'ts-2025-10-A';
export const FIXTURE_SEED = 'NVnTYrw5xoyTJDOwoUWoPJO3A6UCCXOJJUzgGTxxx7k=';
export const FIXTURE_X = 'UVTi04QLrIuB7jXpVfHjUTVN5aIdcbPNr50umTtN8pw';
export const FIXTURE_PAYLOAD =
  '{"version":"1.1","kid":"ts-2025-10-A","host":"publisher.com","scheme":"https","id":"auction-123","ts":1706900000000}';
export const FIXTURE_SIGNATURE =
  'WzPuX39DWEc1NK2AYFK97tqs5HFMZgzKmFktIRk9awSiHCkPuKl8j61DTLjTZKv4s_C8I70EE5GlW3tI4l_CAg';
