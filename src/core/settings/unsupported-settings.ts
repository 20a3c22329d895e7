/**
 * Settings an adapter cannot honour, declared by each adapter in one list and checked when its
 * package is built, so a config that relies on one is refused (or flagged) before it is deployed
 * rather than silently served differently.
 */
import type { Settings } from './settings-schema.ts';

export interface UnsupportedSetting {
  /** The config key, as messages print it: `proxy.certificate_check`. */
  key: string;
  /** `error`: the build refuses the config; `warning`: it builds and says what differs. */
  severity: 'error' | 'warning';
  /** Why, and what to do instead; printed after the key. */
  why: string;
  /** True when the config relies on what the platform cannot do. */
  check(settings: Settings): boolean;
}

export interface UnsupportedFindings {
  errors: string[];
  warnings: string[];
}

export function findUnsupported(
  list: readonly UnsupportedSetting[],
  settings: Settings,
): UnsupportedFindings {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const entry of list) {
    if (!entry.check(settings)) continue;
    (entry.severity === 'error' ? errors : warnings).push(`${entry.key}: ${entry.why}`);
  }
  return { errors, warnings };
}
