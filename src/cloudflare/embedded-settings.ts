/**
 * The Worker's side of the shared embedded-settings format (src/edge/): each secret slot is named
 * after the key's `TRUSTED_SERVER__…` override (`publisher.proxy_secret` →
 * `TRUSTED_SERVER__PUBLISHER__PROXY_SECRET`), the same name the Node adapter reads from its
 * environment, and the Worker reads it from its secrets (`env`). A Worker needs no platform
 * section: its bindings are declared in wrangler.toml.
 */
import type { EmbeddedSettings, SecretSlot } from '../edge/embedded-settings.ts';
import type { SecretSource } from '../edge/revive-settings.ts';
import type { WorkerEnv } from './runtime.ts';

export type WorkerPlatform = Record<string, never>;
export type WorkerEmbeddedSettings = EmbeddedSettings<WorkerPlatform>;

export function workerSecrets(env: WorkerEnv): SecretSource {
  return {
    read: (slot: SecretSlot) => {
      const value = env[slot.name];
      return typeof value === 'string' ? value : undefined;
    },
    describe: (slot: SecretSlot) =>
      `the Worker's secrets (set it with \`wrangler secret put ${slot.name}\`)`,
  };
}
