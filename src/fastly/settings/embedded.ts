/**
 * Fastly's platform section of the shared embedded-settings format (src/edge/embedded-settings.ts):
 * the resource-link names of its stores and the Config Store keys read at run time. Each secret
 * slot's name is its Secret Store key (`handlers.0.password`).
 */
import type { EmbeddedSettings } from '../../edge/embedded-settings.ts';

export interface FastlyPlatform {
  /**
   * Fastly resource-link names. `kv`: the KV Store behind the kv service (null: none, and the
   * features that need a store stay off); `config`: null, no run-time overrides.
   */
  stores: { secrets: string; config: string | null; kv: string | null };
  /** Config Store keys looked up at run time (see config-store-keys.ts). */
  configKeys: string[];
}

export type FastlyEmbeddedSettings = EmbeddedSettings<FastlyPlatform>;
