/**
 * The configuration as an edge package carries it — one format for the Cloudflare Worker and the
 * Fastly Compute package. Written at build time by embed-settings.ts, inlined by esbuild as the
 * global {@link EMBEDDED_SETTINGS_GLOBAL}, completed at run time by revive-settings.ts.
 *
 * It is the validated TOML document with every secret value deleted, plus what the run time
 * needs to complete it: the build's non-secret `TRUSTED_SERVER__…` overrides and one slot per
 * secret, filled from the platform's secret store (Worker secrets, Fastly Secret Store). The run
 * time validates the whole with the project's schema once per isolate or sandbox, so a value that
 * arrives late (a secret, a Fastly Config Store override) is checked exactly as a TOML value is.
 * Plain JSON; no TOML parser ships in a package.
 */

/** The name the builds `define` and the entry modules declare. */
export const EMBEDDED_SETTINGS_GLOBAL = 'TRUSTED_SERVER_EMBEDDED';

export interface SecretSlot {
  /** The key path as config errors print it: `handlers[0].password`. */
  key: string;
  /**
   * The platform's name for the secret: the Worker secret (`TRUSTED_SERVER__HANDLERS__0__PASSWORD`)
   * or the Fastly Secret Store key (`handlers.0.password`).
   */
  name: string;
  /** The `TRUSTED_SERVER__…` override that carries the value into validation. */
  envName: string;
}

export interface EmbeddedSettings<Platform = unknown> {
  format: 2;
  /** The config file name, for messages. */
  source: string;
  /** The parsed TOML document, secret values deleted. */
  document: Record<string, unknown>;
  /** `TRUSTED_SERVER__…` overrides present at build time (never secrets). */
  buildOverrides: Record<string, string>;
  /** Each secret the settings need, read from the platform once per app build. */
  secrets: SecretSlot[];
  /** Built with `--dev`: sample placeholder secrets are accepted (and warned about). */
  allowPlaceholderSecrets: boolean;
  /** What only one platform needs (Fastly: its store names and Config Store keys). */
  platform: Platform;
}
