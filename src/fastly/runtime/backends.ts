/**
 * The sandbox's dynamic backends, registered once per name (Fastly allows a name only once per
 * sandbox). Names are a 32-bit digest of the settings, so a hit is checked against the host it
 * was made for: two hosts whose digests collide fail to register rather than share a backend.
 */
import { Backend } from 'fastly:backend';
import type { BackendConfig } from '../backend-options.ts';

const backends = new Map<string, { backend: Backend; target: string; hostOverride: string }>();

export function backendFor(config: BackendConfig): Backend {
  const known = backends.get(config.name);
  if (known !== undefined) {
    if (known.target === config.target && known.hostOverride === config.hostOverride) {
      return known.backend;
    }
    throw new Error(`backend name ${config.name} is already taken by another host`);
  }
  const backend = new Backend(config);
  backends.set(config.name, { backend, target: config.target, hostOverride: config.hostOverride });
  return backend;
}
