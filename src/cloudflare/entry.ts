/**
 * The Worker entry module (`main` in wrangler.toml points at its bundle). The build
 * (src/build/worker.ts) replaces `__TRUSTED_SERVER_CONFIG__` with the settings it resolved and
 * validated from the TOML file, so nothing is parsed per request.
 */
import type { EmbeddedConfig } from './embedded-settings.ts';
import { createWorker } from './worker.ts';

declare const __TRUSTED_SERVER_CONFIG__: EmbeddedConfig;

export default createWorker(__TRUSTED_SERVER_CONFIG__);

// The store's Durable Object class: wrangler.toml binds it as TS_KV, and the runtime finds the
// class among the entry module's exports.
export { TrustedServerKv } from './stores/durable-object-kv.ts';
