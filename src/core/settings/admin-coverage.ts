/**
 * Upstream HEAD's start-up rule: every `/_ts/admin/…` endpoint must sit behind a `[[handlers]]`
 * basic-auth gate, so a deployment can never expose key rotation or the identity graph openly.
 *
 * Upstream checks all five endpoints in every configuration. Here an endpoint is checked when the
 * feature that serves it is configured (key rotation with `[request_signing] enabled = true`, the
 * identity-graph endpoints with `[ec] ec_store`), so a site that uses neither needs no handler;
 * once it turns either on, the rule applies exactly as upstream's.
 */

export interface AdminEndpoint {
  /** The route as operators read it. */
  route: string;
  /** Paths a handler must match for the route to count as covered. */
  probes: readonly string[];
  /** What makes this server serve the route. */
  servedWhen: string;
}

/**
 * `/_ts/admin/ec/{id}` takes any segment, and auth runs on the raw path before routing, so a
 * handler shaped after valid IDs would leave malformed ones open: only prefix-level matchers
 * (`^/_ts/admin`, `^/_ts/admin/ec/`) match both the bare prefix and a long concrete ID.
 */
const EC_ID_PROBES = ['/_ts/admin/ec/', `/_ts/admin/ec/${'a'.repeat(64)}.Ab12Z9`];

const SIGNING = '[request_signing] enabled = true';
const IDENTITY = '[ec] ec_store is set';

export const ADMIN_ENDPOINTS: readonly AdminEndpoint[] = [
  { route: '/_ts/admin/keys/rotate', probes: ['/_ts/admin/keys/rotate'], servedWhen: SIGNING },
  {
    route: '/_ts/admin/keys/deactivate',
    probes: ['/_ts/admin/keys/deactivate'],
    servedWhen: SIGNING,
  },
  { route: '/_ts/admin/ec', probes: ['/_ts/admin/ec'], servedWhen: IDENTITY },
  { route: '/_ts/admin/ec/{id}', probes: EC_ID_PROBES, servedWhen: IDENTITY },
  { route: '/_ts/admin/eids', probes: ['/_ts/admin/eids'], servedWhen: IDENTITY },
];

export interface CoverageInput {
  handlers: ReadonlyArray<{ path: RegExp; case_sensitive: boolean }>;
  signingEnabled: boolean;
  identityGraph: boolean;
}

/** The admin routes this configuration serves that no handler protects, in route order. */
export function uncoveredAdminRoutes(input: CoverageInput): AdminEndpoint[] {
  // Matched as basic-auth.ts matches at run time: case-insensitively unless the handler says so.
  const matchers = input.handlers.map((handler) =>
    handler.case_sensitive
      ? handler.path
      : new RegExp(handler.path.source, `${handler.path.flags}i`),
  );
  const served = (endpoint: AdminEndpoint) =>
    endpoint.servedWhen === SIGNING ? input.signingEnabled : input.identityGraph;
  return ADMIN_ENDPOINTS.filter(
    (endpoint) =>
      served(endpoint) &&
      !endpoint.probes.every((probe) => matchers.some((matcher) => matcher.test(probe))),
  );
}
