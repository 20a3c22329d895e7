/**
 * The Worker entry module (`main` in wrangler.toml points at its bundle). The build
 * (src/build/worker.ts) replaces `TRUSTED_SERVER_EMBEDDED` with the settings it validated from
 * the TOML file, in the shared edge format (src/edge/embedded-settings.ts).
 */
import type { WorkerEmbeddedSettings } from './embedded-settings.ts';
import { createWorker } from './worker.ts';

declare const TRUSTED_SERVER_EMBEDDED: WorkerEmbeddedSettings;

export default createWorker(TRUSTED_SERVER_EMBEDDED);

// The store's Durable Object class: wrangler.toml binds it as TS_KV, and the runtime finds the
// class among the entry module's exports.
export { TrustedServerKv } from './stores/durable-object-kv.ts';
