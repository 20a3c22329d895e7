/**
 * What the partner and admin endpoint tests share: a configuration with the identity graph, an
 * admin handler and two partners on the publisher domain `publisher.test`; the app over
 * in-process services with a real store (SQLite in memory by default) and the in-process rate
 * limiter; and a way to seed graph entries as the lifecycle writes them.
 */
import { createApp } from '../../src/core/app.ts';
import { createIdentityGraph, type IdentityGraph } from '../../src/core/identity/identity-graph.ts';
import type { GeoInfo, PlatformServices } from '../../src/core/services.ts';
import { loadSettings } from '../../src/core/settings/load-settings.ts';
import type { Settings } from '../../src/core/settings/settings-schema.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { createMemoryRateLimiter } from '../../src/core/store/memory-rate-limiter.ts';
import { openSqliteKv } from '../../src/node/stores/sqlite-kv.ts';
import { fakeServices, FAKE_ORIGIN_URL, type FakeServices } from '../helpers/fake-services.ts';
import { baseToml, PASSWORD } from '../helpers/settings.ts';

export const TOKEN_SSP = 'ssp-partner-token-0123456789abcdef0123';
export const TOKEN_SYNC = 'sync-partner-token-0123456789abcdef012';
export const ADMIN_AUTH = `Basic ${btoa(`admin:${PASSWORD}`)}`;
export const ADMIN_HANDLER = `[[handlers]]
path = "^/_ts/admin"
username = "admin"
password = "${PASSWORD}"
`;

/** A valid ID, and another behind the same address (same hash part). */
export const ID = `${'ab'.repeat(32)}.Zx9Qw1`;
export const SIBLING = `${'ab'.repeat(32)}.Pq7Rs2`;
export const OTHER = `${'cd'.repeat(32)}.Aa1Bb2`;

export const CANADA: GeoInfo = { country: 'CA', region: 'ON' };

export const PARTNERS = `
[[ec.partners]]
name = "SSP"
source_domain = "ssp.example"
api_token = "${TOKEN_SSP}"
bidstream_enabled = true
openrtb_atype = 1
batch_rate_limit = 3

[[ec.partners]]
name = "Sync"
source_domain = "sync.example"
api_token = "${TOKEN_SYNC}"
`;

export interface EndpointToml {
  /** `[ec] ec_store`, the admin handler and… (default true). */
  ecStore?: boolean;
  /** `[[ec.partners]]` tables (default {@link PARTNERS}; '' for none). */
  partners?: string;
  /** More TOML after everything else. */
  extra?: string;
  originUrl?: string;
}

/** The configuration's TOML, with `publisher.domain = "publisher.test"`. */
export function endpointToml(options: EndpointToml = {}): string {
  const ecStore = options.ecStore === false ? '' : 'ec_store = "identity"\n';
  const toml = baseToml(
    options.originUrl ?? FAKE_ORIGIN_URL,
    `${ecStore}${options.partners ?? PARTNERS}${options.ecStore === false ? '' : `\n${ADMIN_HANDLER}`}${options.extra ?? ''}`,
  );
  return toml.replace('domain = "www.publisher.test"', 'domain = "publisher.test"');
}

export function endpointSettings(options: EndpointToml = {}): Settings {
  return loadSettings(endpointToml(options), { source: 'test.toml' });
}

export interface EndpointApp {
  app: ReturnType<typeof createApp>;
  services: FakeServices;
  kv: KvStore | undefined;
  /** The graph over the same store, to seed and inspect entries. */
  graph: IdentityGraph;
  fetch: (path: string, init?: RequestInit) => Promise<Response>;
}

export interface EndpointAppOptions extends EndpointToml {
  /** The store (default: SQLite in memory); `null` for a platform without one. */
  kv?: KvStore | null;
  geo?: GeoInfo | null;
  /** Leave the platform without a rate limiter. */
  noRateLimiter?: boolean;
  overrides?: Partial<PlatformServices>;
}

export function endpointApp(options: EndpointAppOptions = {}): EndpointApp {
  const services = fakeServices({
    geo: options.geo === undefined ? CANADA : options.geo,
    codecs: 'identity',
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
  });
  const kv =
    options.kv === null
      ? undefined
      : (options.kv ??
        openSqliteKv({ path: ':memory:', busyTimeoutMs: 250, now: () => services.now() }));
  services.kv = kv;
  if (options.noRateLimiter !== true)
    services.rateLimiter = createMemoryRateLimiter(() => services.now());
  const app = createApp(endpointSettings(options), services);
  const graph = createIdentityGraph(kv ?? openSqliteKv({ path: ':memory:', busyTimeoutMs: 250 }), {
    now: () => services.now(),
  });
  return {
    app,
    services,
    kv,
    graph,
    fetch: (path, init) => app(new Request(`http://publisher.test${path}`, init)),
  };
}

/** A live entry for `id`, as the lifecycle creates one, with these partner UIDs. */
export async function seedEntry(
  graph: IdentityGraph,
  id: string,
  uids: Record<string, string> = {},
): Promise<void> {
  await graph.create(id, { geo: { country: 'CA' }, publisherDomain: 'publisher.test' });
  const writes = Object.entries(uids).map(([sourceDomain, uid]) => ({ sourceDomain, uid }));
  if (writes.length > 0) await graph.upsertPartnerIds(id, writes);
}

export async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}
