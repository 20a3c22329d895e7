/**
 * Turns `trusted-server.toml` text plus `TRUSTED_SERVER__*` overrides into one validated, deeply
 * frozen {@link Settings} object. Runs once at start-up (or at build time for the edges), never
 * per request. Pure: no file or environment access of its own, so every adapter can call it.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { envOverrideTree, mergeOverrides, type EnvSource } from './env-overrides.ts';
import { ParseContext, type Issue } from './schema.ts';
import { featureWarnings } from './feature-status.ts';
import { settingsSchema, type Settings } from './settings-schema.ts';
import { locateKeyLines } from './key-lines.ts';
import { ConfigError } from './config-error.ts';
import { deepFreeze } from './deep-freeze.ts';

export type { Settings } from './settings-schema.ts';

// Re-exported: most callers meet them here, beside the loader.
export { ConfigError, deepFreeze };

export interface LoadOptions {
  /** Name used in messages, usually the file path. */
  source?: string;
  env?: EnvSource;
  /**
   * Told about keys that were accepted but do not act as written: features not implemented yet
   * (feature-status.ts), a value clamped into range. One call per key; start-up logs them.
   */
  onWarning?: (message: string) => void;
}

export function loadSettings(tomlText: string, options: LoadOptions = {}): Settings {
  const source = options.source ?? 'trusted-server.toml';
  let document: unknown;
  try {
    document = parseToml(tomlText);
  } catch (error) {
    if (error instanceof TomlError) {
      const firstLine = error.message.split('\n')[0] ?? error.message;
      throw new ConfigError(source, [
        `${source}:${error.line}:${error.column}: ${firstLine.replace(/^Invalid TOML document: /, 'TOML syntax error: ')}`,
      ]);
    }
    throw error;
  }

  let merged: unknown;
  try {
    merged = mergeOverrides(document, envOverrideTree(options.env ?? {}));
  } catch (error) {
    throw new ConfigError(source, [(error as Error).message]);
  }

  const ctx = new ParseContext();
  const settings = settingsSchema.parse(merged, '', ctx);
  const lines = locateKeyLines(tomlText);
  if (settings === undefined || ctx.issues.length > 0) {
    throw new ConfigError(
      source,
      ctx.issues.map((issue) => formatIssue(issue, source, lines)),
    );
  }
  if (options.onWarning) {
    for (const warning of ctx.warnings) options.onWarning(formatIssue(warning, source, lines));
    for (const warning of featureWarnings(merged, settings)) options.onWarning(warning);
  }
  return deepFreeze(settings);
}

function formatIssue(issue: Issue, source: string, lines: ReadonlyMap<string, number>): string {
  if (issue.variable) return `${issue.path} (from ${issue.variable}): ${issue.message}`;
  const line = lineFor(issue.path, lines);
  return `${issue.path}: ${issue.message}${line === undefined ? '' : ` (${source}:${line})`}`;
}

/** The line of the key, or of its nearest enclosing table when the key itself is absent. */
function lineFor(path: string, lines: ReadonlyMap<string, number>): number | undefined {
  let candidate = path.replace(/\[(\d+)\]/g, '.$1');
  while (candidate !== '') {
    const line = lines.get(candidate);
    if (line !== undefined) return line;
    const cut = candidate.lastIndexOf('.');
    candidate = cut === -1 ? '' : candidate.slice(0, cut);
  }
  return undefined;
}
