/**
 * What the command line says about itself: one usage block per command (printed by
 * `trusted-server COMMAND --help`, and after a usage error in that command) and the overview
 * (`trusted-server --help`) made of their first lines.
 */

export type Command = 'serve' | 'config' | 'keys' | 'build' | 'dev' | 'demo';

/** A mistake in how the command was called (exit 2), reported with that command's usage. */
export class UsageError extends Error {
  readonly command: Command | undefined;
  constructor(message: string, command?: Command) {
    super(message);
    this.command = command;
  }
}

const SYNOPSIS: Record<Command, string> = {
  serve: `  trusted-server serve --config FILE [--host 127.0.0.1] [--port 8080] [--workers N] [--dev]
                       [--tls-cert FILE --tls-key FILE]
`,
  config: `  trusted-server config check FILE [--dev]
`,
  keys: `  trusted-server keys generate|import|list|rotate|deactivate --config FILE
                       [--kid KID] [--seed BASE64|-] [--delete]
`,
  build: `  trusted-server build --target cloudflare|fastly --config FILE [--out DIR] [--dev]
                       [--secret-store NAME] [--config-store NAME|none]
                       [--kv-store NAME|none]                             (fastly only)
`,
  dev: `  trusted-server dev --target cloudflare --config FILE [--host 127.0.0.1] [--port 8787]
`,
  demo: `  trusted-server demo [--port 8080]
`,
};

const DETAILS: Record<Command, string> = {
  serve: `
Runs the Node server in front of the origin the config names.
  --config, -c FILE   the TOML configuration (TRUSTED_SERVER__* environment variables override it)
  --host, --port, -p  where to listen
  --workers N         processes sharing the port (1-256)
  --dev               accept the sample secrets of an example config (never in production)
  --tls-cert, --tls-key  serve HTTPS with this certificate and key (PEM files)
`,
  config: `
Validates the configuration and prints it resolved, secrets redacted. Exits 1 if it is invalid,
or if it has sample secrets and --dev is not given.
`,
  keys: `
Manages the request-signing keys in the store the config's [store] names (the SQLite file or
Redis server \`serve\` reads; Fastly's keys live in its stores: README, "Key management").
No subcommand prints a seed.
  generate             the first key (refused when one is current: use rotate)
  rotate [--kid KID]   a new key, published and made current; the old one stays published for
                       [request_signing] rotation_overlap_secs before it can be deactivated
  import --kid KID --seed BASE64|-
                       a 32-byte seed in standard base64 (- reads it from stdin), e.g. carried
                       over from an upstream deployment; current only if no key is
  list                 kid, state (current/active/retired/inactive), created, retired
  deactivate --kid KID [--delete]
                       unpublish a key (still verifiable), or with --delete remove it entirely
`,
  build: `
Validates the configuration and builds the package for an edge platform, settings embedded and
secrets left to the platform's secret storage (the build lists the names it reads).
  --target cloudflare  the Worker bundle (default --out dist/cloudflare: worker.js)
  --target fastly      the Compute package (default --out dist/fastly: bin/main.wasm, fastly.toml)
  --config FILE        the TOML configuration (TRUSTED_SERVER__* variables of the build override it)
  --out DIR            where to write the package
  --dev                the package accepts sample secrets (local testing only)
  --secret-store NAME  fastly: the Secret Store holding the secrets (trusted_server_secrets)
  --config-store NAME|none  fastly: the Config Store of run-time overrides (trusted_server_config)
  --kv-store NAME|none      fastly: the KV Store behind the kv service ([ec] ec_store, else
                            trusted_server_kv)
`,
  dev: `
Builds the Worker with this configuration and serves it locally in workerd (the open-source
Workers runtime). The config's own secret values stand in for Worker secrets; sample secrets are
accepted with a warning. Ctrl-C stops it.
  --target cloudflare  the only local runtime available (Fastly's is the Fastly CLI's
                       \`fastly compute serve\`, run in the output of \`build --target fastly\`)
  --config FILE        the TOML configuration
  --host, --port       where workerd listens (127.0.0.1:8787)
`,
  demo: `
Starts the offline demo publisher site and Trusted Server in front of it on 127.0.0.1 (PORT
overrides the port too).
`,
};

/** `trusted-server COMMAND --help`. */
export function commandUsage(command: Command): string {
  return `Usage:\n${SYNOPSIS[command]}${DETAILS[command]}`;
}

export const USAGE = `Usage:
${Object.values(SYNOPSIS).join('')}  trusted-server --version

Run \`trusted-server COMMAND --help\` for a command's options.
Environment: TRUSTED_SERVER__SECTION__KEY=value overrides any config key (see docs/configuration.md).
`;
