/** `trusted-server config check FILE`: validate, print the resolved config (secrets redacted). */
import { describeSettings, placeholderSecretKeys } from '../core/settings/placeholders.ts';
import { loadConfigFile } from './load-config-file.ts';

export async function configCheck(file: string, dev: boolean): Promise<number> {
  const settings = await loadConfigFile(file);
  process.stdout.write(`${describeSettings(settings)}\n`);
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
