/**
 * `trusted-server config check FILE`: validate, print the resolved config (secrets redacted), then
 * the keys accepted without effect yet and any placeholder secrets.
 */
import { describeSettings, placeholderSecretKeys } from '../core/settings/placeholders.ts';
import { loadConfigFile } from './load-config-file.ts';

export async function configCheck(file: string, dev: boolean): Promise<number> {
  const warnings: string[] = [];
  const settings = await loadConfigFile(file, process.env, (warning) => warnings.push(warning));
  process.stdout.write(`${describeSettings(settings)}\n`);
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  const placeholders = placeholderSecretKeys(settings);
  if (placeholders.length > 0) {
    process.stderr.write(
      `${dev ? 'warning' : 'error'}: placeholder secrets in ${placeholders.join(', ')}` +
        `${dev ? ' (accepted with --dev)' : '; `serve` refuses them without --dev'}\n`,
    );
    if (!dev) return 1;
  }
  process.stderr.write(`${file}: configuration is valid\n`);
  return 0;
}
