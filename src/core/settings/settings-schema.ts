/**
 * The `trusted-server.toml` schema: upstream's sections and keys, plus the few this port adds
 * (`publisher.hosts`, origin timeouts and `trusted_proxies` under `[proxy]`, `[server]`, `[logging]`).
 * Every section is validated at start-up, including those whose features arrive later.
 */
import {
  array,
  bool,
  EnvValue,
  httpUrl,
  int,
  isPlainObject,
  join,
  makeFieldFrom,
  map,
  object,
  oneOf,
  regex,
  secret,
  str,
  type FieldBuilder,
  type Infer,
} from './schema.ts';
import type { Secret } from './secret.ts';
import { nearest } from './suggest.ts';
import {
  INTEGRATION_IDS,
  integrationFields,
  type IntegrationConfigs,
  type IntegrationId,
} from './integration-schemas.ts';
import { parseAddressRange } from '../http/ip.ts';
import { store } from './sections/store.ts';
import { geoSection } from './sections/geo.ts';

const HOST_PATTERN =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?::\d{1,5})?$/;
const IPV6_HOST_PATTERN = /^\[[0-9a-f:.]+\](?::\d{1,5})?$/;

/** A public host name as it appears in a `Host` header: lowercased, optional port. */
function hostName() {
  return str().check((text) =>
    HOST_PATTERN.test(text.toLowerCase()) || IPV6_HOST_PATTERN.test(text.toLowerCase())
      ? undefined
      : `must be a host name such as "www.example.com" (no scheme or path), got "${text}"`,
  );
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const publisher = object({
  domain: hostName(),
  hosts: array(hostName()).default(() => []),
  cookie_domain: str(),
  origin_url: httpUrl().check((text) => {
    if (text.endsWith('/')) return 'must not end with "/"';
    const url = new URL(text);
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
      return 'must be scheme://host[:port] only (no path, query, fragment or credentials)';
    }
    return undefined;
  }),
  proxy_secret: secret(),
});

const synthetic = object({
  counter_store: str().default('counter_store'),
  opid_store: str().default('opid_store'),
  secret_key: secret(),
  template: str(),
});

const handler = object({
  path: regex(),
  /** Match `path` case-sensitively (default: `/SECURE` is `/secure`, as many origins read it). */
  case_sensitive: bool().default(false),
  username: str(),
  password: secret(),
});

const requestSigning = object({
  enabled: bool().default(false),
  config_store_id: str(),
  secret_store_id: str(),
});

const auction = object({
  enabled: bool().default(false),
  providers: array(oneOf(['prebid', 'aps', 'adserver_mock'])).default(() => []),
  mediator: str().optional(),
  timeout_ms: int({ min: 1, max: 60000 }).default(2000),
  creative_store: str().default('creative_store'),
});

const proxy = object({
  certificate_check: bool().default(true),
  /** Peers whose `X-Forwarded-*`/`Forwarded` headers are believed (a load balancer in front). */
  trusted_proxies: array(
    str().check((text) =>
      parseAddressRange(text) ? undefined : `must be an IP address or CIDR range, got "${text}"`,
    ),
  ).default(() => []),
  allowed_domains: array(str()).default(() => []),
  /**
   * Connect to this `host:port` instead of resolving the origin's host (which keeps its name for
   * `Host` and TLS). For origins whose public name points at this server, and for tests.
   */
  origin_address: str()
    .check((text) =>
      /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(text)
        ? undefined
        : `must be host:port, got "${text}"`,
    )
    .optional(),
  connect_timeout_ms: int({ min: 1, max: 600000 }).default(1000),
  first_byte_timeout_ms: int({ min: 1, max: 600000 }).default(15000),
  between_bytes_timeout_ms: int({ min: 1, max: 600000 }).default(10000),
  /**
   * A response's whole life, origin request sent to its last byte; 0 turns it off. An origin that
   * drips a byte a second stays under every between-bytes timeout and would hold the response
   * and its sockets for as long as it liked. Five minutes leaves large downloads to slow readers
   * room (100 MB at 3 Mbit/s); event streams are exempt.
   */
  max_response_ms: int({ min: 0, max: 86400000 }).default(300000),
  /**
   * Compression of rewritten responses: CPU against bytes. On the 553 KB fixture page, gzip 3 (the
   * best of zlib's fast levels 1–3) takes ~3.2 ms for 91.9 kB, 4 takes ~4.7 ms for 86.5 kB, 6
   * ~7.7 ms for 81.5 kB: 3 is a third cheaper than 4 for 6 % more bytes (nginx defaults to 1).
   * Brotli, streamed with a flush per chunk as the proxy does: quality 2 gives 60.9 kB for about
   * two thirds of gzip 3's CPU, quality 4 (upstream's) 56.6 kB for about 1.5× quality 2's, and
   * under load (16 pages at once) quality 4 cost ~6 ms of CPU more per page than 2
   * (docs/performance.md). Quality 1 costs about half of 2 for 70.5 kB (16 % more bytes: not
   * the default, a page's weight is its readers' time).
   */
  gzip_level: int({ min: 1, max: 9 }).default(3),
  brotli_quality: int({ min: 0, max: 11 }).default(2),
  /** Cap on a rewritten body's decoded size (decompression bombs); past it the response aborts. */
  max_decoded_body_bytes: int({ min: 1024 }).default(256 * 1024 * 1024),
});

const server = object({
  max_header_size: int({ min: 1024, max: 1048576 }).default(16384),
  max_headers_count: int({ min: 8, max: 10000 }).default(100),
  headers_timeout_ms: int({ min: 100 }).default(10000),
  request_timeout_ms: int({ min: 100 }).default(60000),
  keep_alive_timeout_ms: int({ min: 100 }).default(5000),
  shutdown_timeout_ms: int({ min: 0 }).default(10000),
  /**
   * Pages one process rewrites at once; more wait their turn, up to a second (0: no limit). The page path is CPU-bound: more at once finish no sooner and hold more memory
   * (src/node/work-permits.ts).
   */
  max_active_pages: int({ min: 0, max: 4096 }).default(8),
});

/**
 * Cloudflare Workers adapter only (validated everywhere, read only there): which engine runs the
 * HTML rules — the project's own, or the Workers runtime's native lol_html `HTMLRewriter`.
 */
const cloudflare = object({
  html_engine: oneOf(['builtin', 'htmlrewriter']).default('builtin'),
});

const logging = object({
  level: oneOf(['debug', 'info', 'warn', 'error']).default('info'),
});

const responseHeaders = map(
  str({ nonEmpty: false }).check((value) =>
    /[\r\n\0]/.test(value) ? 'must not contain CR, LF or NUL' : undefined,
  ),
).check((table) => {
  const bad = Object.keys(table).find((name) => !HEADER_NAME.test(name));
  return bad === undefined ? undefined : `"${bad}" is not a valid HTTP header name`;
});

/** Only enabled integrations are kept: consumers never see a disabled partner. */
export type EnabledIntegrations = { readonly [K in IntegrationId]?: IntegrationConfigs[K] };

const integrations: FieldBuilder<EnabledIntegrations> = makeFieldFrom(
  '[integrations] table',
  (value, path, ctx) => {
    if (!isPlainObject(value)) {
      ctx.report(path, 'expected a table of [integrations.<id>] sections', value);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [id, raw] of Object.entries(value)) {
      const keyPath = join(path, id);
      if (!(INTEGRATION_IDS as string[]).includes(id)) {
        const hint = nearest(id, INTEGRATION_IDS);
        ctx.report(
          keyPath,
          `unknown integration "${id}"` +
            (hint ? `; did you mean "${hint}"?` : `; known: ${INTEGRATION_IDS.join(', ')}`),
          firstEnv(raw),
        );
        ok = false;
        continue;
      }
      const fields = integrationFields(id as IntegrationId);
      const disabled = isPlainObject(raw) && isFalse(raw['enabled']);
      const parsed = (disabled ? fields.disabled : fields.strict).parse(raw, keyPath, ctx) as
        { enabled: boolean } | undefined;
      if (parsed === undefined) ok = false;
      else if (parsed.enabled) out[id] = parsed;
    }
    return ok ? out : undefined;
  },
).default(() => ({}));

function isFalse(value: unknown): boolean {
  if (value === false) return true;
  return value instanceof EnvValue && ['false', '0', 'no', 'off'].includes(value.raw.toLowerCase());
}

function firstEnv(value: unknown): EnvValue | undefined {
  if (value instanceof EnvValue) return value;
  if (isPlainObject(value)) {
    for (const entry of Object.values(value)) {
      const found = firstEnv(entry);
      if (found) return found;
    }
  }
  return undefined;
}

export const settingsSchema = object({
  publisher,
  synthetic,
  integrations,
  handlers: array(handler).default(() => []),
  response_headers: responseHeaders.default(() => ({})),
  request_signing: requestSigning.optional(),
  rewrite: object({ exclude_domains: array(str()).default(() => []) }).orEmpty(),
  auction: auction.orEmpty(),
  proxy: proxy.orEmpty(),
  server: server.orEmpty(),
  logging: logging.orEmpty(),
  cloudflare: cloudflare.orEmpty(),
  store: store.orEmpty(),
  geo: geoSection.orEmpty(),
});

type DeepReadonly<T> = unknown extends T
  ? T
  : T extends RegExp | Secret | string | number | boolean | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? ReadonlyArray<DeepReadonly<U>>
      : { readonly [K in keyof T]: DeepReadonly<T[K]> };

/** The validated configuration. Deeply frozen at load, and typed read-only to match. */
export type Settings = DeepReadonly<Infer<typeof settingsSchema>>;
