/**
 * The settings Fastly Compute cannot honour, in one place; `build --target fastly` refuses the
 * errors and prints the warnings (src/fastly/settings/embed.ts).
 */
import type { UnsupportedSetting } from '../core/settings/unsupported-settings.ts';

export const FASTLY_UNSUPPORTED: readonly UnsupportedSetting[] = [
  {
    key: 'proxy.certificate_check',
    severity: 'error',
    why:
      'must be true on Fastly Compute — the platform always validates origin certificates ' +
      '(give the origin a publicly trusted certificate)',
    check: (settings) => !settings.proxy.certificate_check,
  },
  {
    key: 'geo.mode',
    severity: 'warning',
    why:
      "is read by the Node adapter only; Fastly Compute takes the client's location from " +
      "Fastly's geolocation",
    check: (settings) => settings.geo.mode !== 'none',
  },
  {
    key: 'store',
    severity: 'warning',
    why: 'is read by the Node adapter only; a Fastly service keeps its state in the KV Store named by `build --kv-store`',
    check: (settings) => settings.store.path !== undefined || settings.store.url !== undefined,
  },
  {
    key: 'request_signing.config_store_id',
    severity: 'error',
    why:
      'is required on Fastly Compute with [request_signing] enabled = true: the API store ID of ' +
      'the Config Store linked as jwks_store (current-kid, active-kids, the public JWKs)',
    check: (settings) =>
      settings.request_signing?.enabled === true &&
      settings.request_signing.config_store_id === undefined,
  },
  {
    key: 'request_signing.secret_store_id',
    severity: 'error',
    why:
      'is required on Fastly Compute with [request_signing] enabled = true: the API store ID of ' +
      'the Secret Store linked as signing_keys (one signing seed per kid)',
    check: (settings) =>
      settings.request_signing?.enabled === true &&
      settings.request_signing.secret_store_id === undefined,
  },
];
