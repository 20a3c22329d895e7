/**
 * `[cache]` with `[[cache.asset_rules]]`: cache policies for the publisher's static assets
 * (upstream HEAD #860). As upstream, a disabled rule needs only a unique id; an enabled one must
 * have exactly one matcher and a coherent policy.
 */
import { portableRegex } from '../field-kinds.ts';
import { array, bool, int, object, oneOf, str } from '../schema.ts';

const seconds = () => int({ min: 0 }).optional();

const rule = object({
  id: str(),
  enabled: bool().default(false),
  /** `nextjs-static`: `/_next/static/…`, content-addressed by Next.js. */
  preset: oneOf(['nextjs-static']).optional(),
  path_prefix: str().optional(),
  path_glob: str().optional(),
  path_globs: array(str()).default(() => []),
  path_regex: portableRegex().optional(),
  extensions: array(str().transform((ext) => ext.replace(/^\./, '').toLowerCase())).default(
    () => [],
  ),
  /** The fingerprint a filename must carry before the rule applies. */
  fingerprint_style: oneOf(['hex', 'esbuild-base32', 'vite-base64-url']).optional(),
  visibility: oneOf(['public', 'private']).default('public'),
  browser_ttl_seconds: seconds(),
  edge_ttl_seconds: seconds(),
  stale_while_revalidate_seconds: seconds(),
  stale_if_error_seconds: seconds(),
  immutable: bool().default(false),
}).refine((entry, report) => {
  if (!entry.enabled) return;
  if (entry.path_glob !== undefined && entry.path_globs.length > 0) {
    report.error('path_globs', 'use path_glob or path_globs, not both');
    return;
  }
  const matchers = [
    entry.preset !== undefined,
    entry.path_prefix !== undefined,
    entry.path_glob !== undefined || entry.path_globs.length > 0,
    entry.path_regex !== undefined,
    entry.extensions.length > 0,
  ].filter(Boolean).length;
  if (matchers !== 1) {
    report.error(
      undefined,
      `an enabled rule needs exactly one matcher (preset, path_prefix, path_glob(s), path_regex or extensions), got ${matchers}`,
    );
  }
  if (entry.visibility === 'private') {
    if (entry.edge_ttl_seconds !== undefined) {
      report.error('edge_ttl_seconds', 'a private rule is not stored by shared caches: remove it');
    }
    if (entry.browser_ttl_seconds === undefined) {
      report.error('browser_ttl_seconds', 'required for a private rule');
    }
  } else if (entry.browser_ttl_seconds === undefined && entry.edge_ttl_seconds === undefined) {
    report.error(undefined, 'set browser_ttl_seconds or edge_ttl_seconds');
  }
  if (!entry.immutable) return;
  if (!entry.browser_ttl_seconds) {
    report.error('immutable', 'needs a positive browser_ttl_seconds');
  }
  if (entry.preset === 'nextjs-static') return;
  if (entry.fingerprint_style === undefined) {
    report.error('immutable', 'needs fingerprint_style or a content-addressed preset');
  } else if (entry.fingerprint_style === 'vite-base64-url') {
    report.error(
      'immutable',
      'vite-base64-url also matches ordinary file names: use hex or esbuild-base32',
    );
  }
});

export const cache = object({
  /** Ordered; the first enabled rule that matches wins. */
  asset_rules: array(rule).default(() => []),
}).refine((section, report) => {
  const seen = new Map<string, number>();
  section.asset_rules.forEach((entry, index) => {
    const first = seen.get(entry.id.trim());
    if (first !== undefined) {
      report.error(`asset_rules[${index}].id`, `"${entry.id}" is already asset_rules[${first}]'s`);
    } else seen.set(entry.id.trim(), index);
  });
});
