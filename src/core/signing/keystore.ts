/**
 * The signing keystore as the rest of the server sees it: what signs (the current kid and its
 * seed), what is published (the active kids' JWKs), what verifies (any stored kid's JWK), and,
 * where the platform lets this server write its keys, rotation, deactivation and import.
 *
 * Two implementations: kv-keystore.ts (the key ring in one entry of the `kv` store: Node's SQLite
 * or Redis, Cloudflare's Durable Object) and config-secret-keystore.ts (upstream's layout in
 * Fastly's Config and Secret Stores, read-only here: Fastly's stores are written through its API).
 */
import { TsError } from '../errors.ts';
import type { Secret } from '../settings/secret.ts';
import type { Ed25519PublicJwk } from './jwk.ts';

export interface RotationResult {
  readonly newKid: string;
  readonly previousKid: string | undefined;
  readonly activeKids: readonly string[];
  readonly jwk: Ed25519PublicJwk;
}

export interface DeactivationResult {
  readonly kid: string;
  readonly deleted: boolean;
  readonly remainingActiveKids: readonly string[];
}

export interface ImportResult {
  readonly kid: string;
  readonly becameCurrent: boolean;
  readonly jwk: Ed25519PublicJwk;
}

export interface KeyStore {
  /** For logs and the CLI: `sqlite`, `redis`, `durable-object`, `fastly-config-store`. */
  readonly kind: string;
  currentKid(): Promise<string | undefined>;
  activeKids(): Promise<readonly string[]>;
  /** The stored JWK's JSON text (as published), active or not; undefined for an unknown kid. */
  jwk(kid: string): Promise<string | undefined>;
  /** The kid's seed, standard base64 inside a `Secret`; undefined for an unknown kid. */
  seed(kid: string): Promise<Secret | undefined>;
  /** A new key, appended to the active kids and made current. `kid` absent: a date kid. */
  rotate(kid?: string): Promise<RotationResult>;
  deactivate(kid: string, options: { delete: boolean }): Promise<DeactivationResult>;
  /** A seed carried over from elsewhere; it becomes current only when no key is. */
  importKey(kid: string, seed: Secret): Promise<ImportResult>;
}

/**
 * The refusal of a write on a store that cannot take it. 503-class (`unavailable`) for the public
 * body; the admin endpoints show the operator `detail`, which says what to do instead.
 */
export function readOnlyKeyStoreError(reason: string): TsError {
  return new TsError('unavailable', reason);
}
