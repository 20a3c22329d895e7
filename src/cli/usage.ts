export class UsageError extends Error {}

export const USAGE = `Usage:
  trusted-server serve --config FILE [--host 127.0.0.1] [--port 8080] [--workers N] [--dev]
                       [--tls-cert FILE --tls-key FILE]
  trusted-server config check FILE [--dev]
  trusted-server demo [--port 8080]
  trusted-server --version

Environment: TRUSTED_SERVER__SECTION__KEY=value overrides any config key (see docs/configuration.md).
`;
