/**
 * Request signing's routes, in upstream order: discovery, verify-signature, then the two admin
 * key routes. Discovery and verification are served only while `[request_signing] enabled =
 * true` (otherwise those paths stay the publisher's); the admin routes are always claimed, so a
 * key request without signing configured gets upstream's 500 rather than reaching the origin.
 *
 * The keystore: the platform's own where it provides one (Fastly's Config and Secret Stores),
 * else built here on the `kv` store (Node's `[store]`, Cloudflare's Durable Object), so Node and
 * Cloudflare need no signing code of their own.
 */
import { TsError } from '../errors.ts';
import type { Route } from '../routes.ts';
import type { PlatformServices } from '../services.ts';
import { discoveryMaxAgeSeconds } from '../settings/sections/request-signing.ts';
import type { Settings } from '../settings/settings-schema.ts';
import {
  ADMIN_KEYS_DEACTIVATE_PATH,
  ADMIN_KEYS_ROTATE_PATH,
  createAdminKeysHandlers,
} from './admin-keys-endpoint.ts';
import { createDiscoveryHandler, DISCOVERY_PATH } from './discovery-endpoint.ts';
import type { KeyStore } from './keystore.ts';
import { createKvKeyStore } from './kv-keystore.ts';
import { createVerifyHandler, VERIFY_SIGNATURE_PATH } from './verify-endpoint.ts';

const POST: ReadonlySet<string> = new Set(['POST']);

/**
 * The keystore `settings` call for, or undefined while signing is off. Enabled without any store
 * is a configuration error, raised when the app is built (start-up on Node).
 */
export function signingKeyStore(
  settings: Settings,
  services: PlatformServices,
): KeyStore | undefined {
  const signing = settings.request_signing;
  if (signing?.enabled !== true) return undefined;
  if (services.keystore !== undefined) return services.keystore;
  if (services.kv === undefined) {
    throw new TsError(
      'configuration',
      '[request_signing] enabled = true needs a store for its keys, and this deployment has ' +
        'none: configure [store] (Node) or bind the TS_KV Durable Object (Cloudflare)',
    );
  }
  return createKvKeyStore(services.kv, {
    overlapMs: signing.rotation_overlap_secs * 1000,
    now: () => services.now(),
  });
}

export function signingRoutes(settings: Settings, services: PlatformServices): Route[] {
  const keystore = signingKeyStore(settings, services);
  const log = services.log;
  const admin = createAdminKeysHandlers(keystore, log);
  const routes: Route[] = [];
  const signing = settings.request_signing;
  if (keystore !== undefined && signing !== undefined) {
    const discovery = createDiscoveryHandler(keystore, {
      maxAgeSeconds: discoveryMaxAgeSeconds(signing.rotation_overlap_secs),
      log,
    });
    const verify = createVerifyHandler(keystore, {
      maxAgeSeconds: signing.verify_max_age_secs,
      now: () => services.now(),
      log,
    });
    routes.push(
      {
        name: 'discovery',
        methods: new Set(['GET']),
        matches: (path) => path === DISCOVERY_PATH,
        identity: 'none',
        handle: (request) => discovery(request),
      },
      {
        name: 'verify-signature',
        methods: POST,
        matches: (path) => path === VERIFY_SIGNATURE_PATH,
        identity: 'none',
        handle: (request) => verify(request),
      },
    );
  }
  routes.push(
    {
      name: 'admin-keys-rotate',
      methods: POST,
      adminOnly: true,
      matches: (path) => path === ADMIN_KEYS_ROTATE_PATH,
      identity: 'none',
      handle: (request) => admin.rotate(request),
    },
    {
      name: 'admin-keys-deactivate',
      methods: POST,
      adminOnly: true,
      matches: (path) => path === ADMIN_KEYS_DEACTIVATE_PATH,
      identity: 'none',
      handle: (request) => admin.deactivate(request),
    },
  );
  return routes;
}
