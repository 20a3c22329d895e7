/**
 * The one rule for sample secrets, and its one wording: `serve`, `config check`, the Worker and the
 * Fastly package all ask here, so an operator reads the same sentence wherever a placeholder turns
 * up. The text names config keys only, never values.
 */
import { placeholderSecretKeys } from './placeholders.ts';
import type { Settings } from './settings-schema.ts';

/** How to make a real secret, quoted in the refusal so the fix is one copy-paste away. */
export const MAKE_A_SECRET = '`openssl rand -base64 32`';

export type PlaceholderVerdict =
  /** No placeholder: nothing to say. */
  | { verdict: 'clean' }
  /** Placeholders, accepted because the server runs (or the package was built) with `--dev`. */
  | { verdict: 'allowed'; keys: string[]; message: string }
  /** Placeholders and no `--dev`: the caller must refuse to serve. */
  | { verdict: 'refused'; keys: string[]; message: string };

export function placeholderPolicy(settings: Settings, dev: boolean): PlaceholderVerdict {
  const keys = placeholderSecretKeys(settings);
  if (keys.length === 0) return { verdict: 'clean' };
  const list = keys.join(', ');
  if (dev) {
    return {
      verdict: 'allowed',
      keys,
      message:
        `!!! DEVELOPMENT MODE: placeholder secrets in ${list}. Anyone can forge signed URLs ` +
        'and credentials with them. Never expose this publicly. !!!',
    };
  }
  return {
    verdict: 'refused',
    keys,
    message:
      `placeholder secrets in ${list}: these sample values are public. Set each to a real ` +
      `secret (make one with ${MAKE_A_SECRET}), or use --dev for local development only.`,
  };
}
