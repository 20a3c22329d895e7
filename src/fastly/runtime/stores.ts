/**
 * Reads what the embedded settings leave to run time: secrets from the Secret Store, the allowed
 * overrides from the Config Store. Both stores are readable only while handling a request.
 */
import { ConfigStore } from 'fastly:config-store';
import { SecretStore } from 'fastly:secret-store';
import { ConfigError } from '../../core/settings/load-settings.ts';
import type { EmbeddedSettings } from '../settings/embedded.ts';
import type { RuntimeValues } from '../settings/resolve.ts';

export async function readStores(embedded: EmbeddedSettings): Promise<RuntimeValues> {
  const secrets = new Map<string, string | null>();
  if (embedded.secrets.length > 0) {
    const store = open(() => new SecretStore(embedded.stores.secrets), 'Secret', embedded);
    await Promise.all(
      embedded.secrets.map(async (slot) => {
        const entry = await store.get(slot.storeKey);
        secrets.set(slot.storeKey, entry === null ? null : entry.plaintext());
      }),
    );
  }
  const config: Record<string, string> = {};
  const configName = embedded.stores.config;
  if (configName !== null && embedded.configKeys.length > 0) {
    const store = open(() => new ConfigStore(configName), 'Config', embedded);
    for (const key of embedded.configKeys) {
      const value = store.get(key);
      if (value !== null) config[key] = value;
    }
  }
  return { secrets, config };
}

function open<T>(create: () => T, kind: 'Secret' | 'Config', embedded: EmbeddedSettings): T {
  try {
    return create();
  } catch (error) {
    const name = kind === 'Secret' ? embedded.stores.secrets : embedded.stores.config;
    throw new ConfigError(embedded.source, [
      `${kind} Store "${name}" is not linked to this service (${(error as Error).message})`,
    ]);
  }
}
