/**
 * Which configuration keys this server accepts without acting on them yet: the one list of
 * deferred features. Every key here is validated like any other; when a configuration switches
 * one on, start-up logs one warning naming it ("accepted, not implemented yet") instead of
 * silently ignoring it. A feature that lands removes its entry; keys not listed are implemented.
 *
 * `inert` keys are different: upstream reads them nowhere either, so they will never do anything;
 * they are accepted so upstream configurations load, and warned about for the same reason.
 */
import { INTEGRATION_IDS } from './integration-schemas.ts';
import { isPlainObject } from './schema.ts';

export interface FeatureStatus {
  /** A section (`consent`) or key (`publisher.origin_host_header_override`); `[]`: any item. */
  readonly key: string;
  readonly status: 'deferred' | 'inert';
  /** What is not done yet, or why the key does nothing. */
  readonly note: string;
}

/** Integrations this server runs today; the others are deferred. */
const IMPLEMENTED_INTEGRATIONS: ReadonlySet<string> = new Set(['nextjs']);

export const FEATURE_STATUS: readonly FeatureStatus[] = [
  { key: 'auction', status: 'deferred', note: 'no server-side auction runs' },
  {
    key: 'creative_opportunities',
    status: 'deferred',
    note: 'no server-side ad template is filled',
  },
  { key: 'cache', status: 'deferred', note: 'asset cache rules are not applied' },
  { key: 'debug', status: 'deferred', note: 'no debug endpoint or auction dump exists' },
  { key: 'tester_cookie', status: 'deferred', note: 'no tester-cookie endpoints exist' },
  { key: 'tinybird', status: 'deferred', note: 'no auction telemetry is sent' },
  {
    key: 'publisher.origin_host_header_override',
    status: 'deferred',
    note: "the origin is sent origin_url's host",
  },
  {
    key: 'publisher.max_buffered_body_bytes',
    status: 'deferred',
    note: 'rewritten bodies stream; their cap is proxy.max_decoded_body_bytes',
  },
  ...INTEGRATION_IDS.filter((id) => !IMPLEMENTED_INTEGRATIONS.has(id)).map((id): FeatureStatus => ({
    key: `integrations.${id}`,
    status: 'deferred',
    note: 'the integration does not run',
  })),
  { key: 'ec.cluster_trust_threshold', status: 'inert', note: 'unused upstream too' },
  { key: 'ec.cluster_recheck_secs', status: 'inert', note: 'unused upstream too' },
  {
    key: 'ec.partners[].pull_sync_ttl_sec',
    status: 'inert',
    note: 'upstream no longer reads it',
  },
  { key: 'consent.consent_store', status: 'inert', note: 'upstream never stores consent' },
  { key: 'auction.creative_store', status: 'inert', note: 'unused upstream too' },
  {
    key: 'creative_opportunities.slot[].providers.aps',
    status: 'inert',
    note: 'APS OpenRTB uses the slot id',
  },
];

/**
 * One warning per listed key that the configuration writes (in the file or the environment),
 * unless it sits in a table switched off with `enabled = false`, or is an integration that is not
 * enabled: nothing is then being ignored.
 */
export function featureWarnings(document: unknown, settings: unknown): string[] {
  return FEATURE_STATUS.filter(
    (entry) => written(document, entry.key.split('.')) && !switchedOff(settings, entry.key),
  ).map((entry) =>
    entry.status === 'deferred'
      ? `${entry.key}: accepted, not implemented yet (${entry.note})`
      : `${entry.key}: accepted for compatibility, has no effect (${entry.note})`,
  );
}

function written(node: unknown, segments: readonly string[]): boolean {
  const [head, ...rest] = segments;
  if (head === undefined) return node !== undefined;
  const isArray = head.endsWith('[]');
  const key = isArray ? head.slice(0, -2) : head;
  if (!isPlainObject(node) || !Object.hasOwn(node, key)) return false;
  const value = node[key];
  if (!isArray) return written(value, rest);
  // An array from the file, or indexed items from the environment (`…__0__KEY`).
  const items = Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : [];
  return items.some((item) => written(item, rest));
}

/** True when the validated value at `key`, or a table above it, is off or absent. */
function switchedOff(settings: unknown, key: string): boolean {
  let node: unknown = settings;
  for (const segment of key.split('.')) {
    if (segment.endsWith('[]')) return false;
    if (!isPlainObject(node)) return false;
    if (node['enabled'] === false) return true;
    if (!Object.hasOwn(node, segment) || node[segment] === undefined) return true;
    node = node[segment];
  }
  return isPlainObject(node) && node['enabled'] === false;
}
