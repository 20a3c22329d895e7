/**
 * Client configuration: defaults, then what the server injected (`window.__tsjs_config`), then
 * `tsjs.setConfig(...)` calls, each a shallow merge.
 */
import { isLogLevel, type ClientLogLevel } from './log.ts';

export interface TsjsConfig {
  logLevel: ClientLogLevel;
  debug: boolean;
  [key: string]: unknown;
}

export const DEFAULT_CONFIG: TsjsConfig = { logLevel: 'warn', debug: false };

export function readInjectedConfig(source: unknown): Partial<TsjsConfig> {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return {};
  return { ...(source as Partial<TsjsConfig>) };
}

/** Merges `update` into `current`, validating the keys core understands. */
export function mergeConfig(current: TsjsConfig, update: unknown): TsjsConfig {
  const next: TsjsConfig = { ...current, ...readInjectedConfig(update) };
  if (!isLogLevel(next.logLevel)) next.logLevel = current.logLevel;
  if (next.debug === true) next.logLevel = 'debug';
  next.debug = next.debug === true;
  return next;
}
