/**
 * `npm run build:fastly -- --config FILE [--out DIR] [--secret-store NAME]
 *   [--config-store NAME|none] [--kv-store NAME|none] [--dev]`: the Fastly Compute package (default dist/fastly/:
 * bin/main.wasm and fastly.toml), settings embedded, secrets left to the Secret Store.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../src/core/settings/load-settings.ts';
import { buildFastly } from './fastly/build.ts';

const USAGE =
  'usage: npm run build:fastly -- --config trusted-server.toml [--out DIR] ' +
  '[--secret-store NAME] [--config-store NAME|none] [--kv-store NAME|none] [--dev]';

let values;
try {
  ({ values } = parseArgs({
    options: {
      config: { type: 'string' },
      out: { type: 'string' },
      'secret-store': { type: 'string' },
      'config-store': { type: 'string' },
      'kv-store': { type: 'string' },
      dev: { type: 'boolean' },
    },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.config === undefined) {
  console.error(USAGE);
  process.exit(2);
}
const configStore = values['config-store'];
const kvStore = values['kv-store'];
try {
  const built = await buildFastly({
    config: values.config,
    ...(values.out !== undefined ? { outDir: values.out } : {}),
    ...(values['secret-store'] !== undefined ? { secretStore: values['secret-store'] } : {}),
    ...(configStore !== undefined
      ? { configStore: configStore === 'none' ? null : configStore }
      : {}),
    ...(kvStore !== undefined ? { kvStore: kvStore === 'none' ? null : kvStore } : {}),
    dev: values.dev ?? false,
  });
  for (const warning of built.warnings) console.warn(`warning: ${warning}`);
  console.log(`wrote ${built.wasm}\nwrote ${built.manifest}`);
  const { secrets, stores } = built.embedded;
  if (secrets.length > 0) {
    console.log(`Secret Store "${stores.secrets}" entries it reads:`);
    for (const slot of secrets) console.log(`  ${slot.storeKey}  (${slot.path})`);
  }
  if (stores.config !== null) {
    console.log(`Config Store "${stores.config}" keys it honours (all optional):`);
    for (const key of built.embedded.configKeys) console.log(`  ${key}`);
  }
  console.log(
    stores.kv === null
      ? 'No KV Store: the features that need a store are off.'
      : `KV Store "${stores.kv}" holds the kv service (created by the first publish).`,
  );
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
