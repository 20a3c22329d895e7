/**
 * Reads what the embedded settings leave to run time: secrets from the Secret Store, the allowed
 * overrides from the Config Store. Both stores are readable only while handling a request.
 */
import { ConfigStore } from 'fastly:config-store';
import { SecretStore } from 'fastly:secret-store';
import { ConfigError } from '../../core/settings/config-error.ts';
import type { FastlyEmbeddedSettings } from '../settings/embedded.ts';
import type { RuntimeValues } from '../settings/resolve.ts';

export async function readStores(embedded: FastlyEmbeddedSettings): Promise<RuntimeValues> {
  const secrets = new Map<string, string | null>();
  if (embedded.secrets.length > 0) {
    const store = open(() => new SecretStore(embedded.platform.stores.secrets), 'Secret', embedded);
    await Promise.all(
      embedded.secrets.map(async (slot) => {
        const entry = await store.get(slot.name);
        secrets.set(slot.name, entry === null ? null : entry.plaintext());
      }),
    );
  }
  const config: Record<string, string> = {};
  const configName = embedded.platform.stores.config;
  if (configName !== null && embedded.platform.configKeys.length > 0) {
    const store = open(() => new ConfigStore(configName), 'Config', embedded);
    for (const key of embedded.platform.configKeys) {
      const value = store.get(key);
      if (value !== null) config[key] = value;
    }
  }
  return { secrets, config };
}

function open<T>(create: () => T, kind: 'Secret' | 'Config', embedded: FastlyEmbeddedSettings): T {
  try {
    return create();
  } catch (error) {
    const name =
      kind === 'Secret' ? embedded.platform.stores.secrets : embedded.platform.stores.config;
    throw new ConfigError(embedded.source, [
      `${kind} Store "${name}" is not linked to this service (${(error as Error).message})`,
    ]);
  }
}
