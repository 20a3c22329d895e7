/**
 * `trusted-server config check FILE`: validate, print the resolved config (secrets redacted), then
 * the keys accepted without effect yet and any placeholder secrets.
 */
import { placeholderPolicy } from '../core/settings/placeholder-policy.ts';
import { describeSettings } from '../core/settings/placeholders.ts';
import { loadConfigFile } from './load-config-file.ts';

export async function configCheck(file: string, dev: boolean): Promise<number> {
  const warnings: string[] = [];
  const settings = await loadConfigFile(file, process.env, (warning) => warnings.push(warning));
  process.stdout.write(`${describeSettings(settings)}\n`);
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  // The verdict `serve` and the edge packages reach, in their words.
  const policy = placeholderPolicy(settings, dev);
  if (policy.verdict === 'refused') {
    process.stderr.write(`error: ${policy.message}\n`);
    return 1;
  }
  if (policy.verdict === 'allowed') process.stderr.write(`warning: ${policy.message}\n`);
  process.stderr.write(`${file}: configuration is valid\n`);
  return 0;
}
