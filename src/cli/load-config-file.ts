import { readFile } from 'node:fs/promises';
import { ConfigError, loadSettings } from '../core/settings/load-settings.ts';
import type { Settings } from '../core/settings/settings-schema.ts';

/**
 * Reads and validates a config file with `TRUSTED_SERVER__*` overrides from the environment.
 * Keys accepted without effect yet (features to come) are passed to `onWarning`, one each.
 */
export async function loadConfigFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  onWarning?: (message: string) => void,
): Promise<Settings> {
  const text = await readConfigText(file);
  return loadSettings(text, { source: file, env, ...(onWarning ? { onWarning } : {}) });
}

/** The file's text; an unreadable file is a {@link ConfigError} naming it and the cause. */
export async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(file, [`cannot read the file (${code})`]);
  }
}
