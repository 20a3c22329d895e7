/**
 * The settings a Cloudflare Worker cannot honour, in one place; `build --target cloudflare`
 * refuses the errors and prints the warnings (src/build/worker.ts).
 */
import type { UnsupportedSetting } from '../core/settings/unsupported-settings.ts';

export const WORKER_UNSUPPORTED: readonly UnsupportedSetting[] = [
  {
    key: 'proxy.certificate_check',
    severity: 'error',
    why: 'must be true on Cloudflare Workers (a Worker always verifies the origin certificate)',
    check: (settings) => !settings.proxy.certificate_check,
  },
  {
    key: 'proxy.origin_address',
    severity: 'warning',
    why:
      'honoured only by `trusted-server dev --target cloudflare` (local workerd); a deployed ' +
      'Worker connects to the origin by its name',
    check: (settings) => settings.proxy.origin_address !== undefined,
  },
  {
    key: 'geo.mode',
    severity: 'warning',
    why:
      "is read by the Node adapter only; a Worker takes the client's location from Cloudflare " +
      '(request.cf)',
    check: (settings) => settings.geo.mode !== 'none',
  },
  {
    key: 'store',
    severity: 'warning',
    why: 'is read by the Node adapter only; a Worker keeps its state in the TS_KV Durable Object or TS_KV_NAMESPACE binding',
    check: (settings) => settings.store.path !== undefined || settings.store.url !== undefined,
  },
];
