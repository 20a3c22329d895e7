/**
 * The configuration as the Wasm carries it: the validated TOML document with every secret value
 * removed, plus what the run time needs to complete it. Written by `src/build/fastly-package.ts`,
 * read by {@link resolveSettings}. Plain JSON, so esbuild can inline it.
 */
import type { SecretSlot } from './secret-slots.ts';

export interface EmbeddedSettings {
  format: 1;
  /** The config file name, for messages. */
  source: string;
  /** The parsed TOML document, secret values deleted. */
  document: Record<string, unknown>;
  /** `TRUSTED_SERVER__…` overrides present at build time (never secrets). */
  buildOverrides: Record<string, string>;
  /** Each secret the settings need, read from the Secret Store per sandbox. */
  secrets: SecretSlot[];
  /**
   * Fastly resource-link names. `kv`: the KV Store behind the kv service (null: none, and the
   * features that need a store stay off).
   */
  stores: { secrets: string; config: string | null; kv: string | null };
  /** Config Store keys looked up at run time (see config-store-keys.ts). */
  configKeys: string[];
  /** Built with `--dev`: sample placeholder secrets are accepted. */
  allowPlaceholderSecrets: boolean;
}
