/**
 * Which URLs in a creative go through the first-party proxy: upstream's `to_abs` and
 * `exclude_domains` matching (spec §5.2, §5.3), and its `srcset` splitting (§5.4).
 *
 * Two departures from upstream, both so that a creative cannot reach a third party directly by
 * writing a URL the browser reads differently from a prefix test:
 * - "absolute?" is decided by the WHATWG URL parser, not by `//` / `http(s)://` prefixes. The
 *   browser strips tabs and newlines anywhere, and reads `\` as `/` in http(s) URLs, so
 *   `\\evil.example/x` and `/\t/evil.example/x` are network URLs to it; upstream left them alone.
 *   Values upstream did accept come back exactly as upstream returns them.
 * - Exclusion is matched on the absolute URL (HEAD's fix: a protocol-relative URL to an excluded
 *   domain stays direct), with the proxy's own host patterns (domain-patterns.ts: any case, a
 *   trailing dot ignored), so the sign route and the rewriter never disagree about a host.
 */
import { hostMatchesPattern } from './domain-patterns.ts';

/** A base no creative URL can name: what resolves onto it was relative. */
const RELATIVE_PROBES = ['https://relative.ts-probe.invalid/', 'http://relative.ts-probe.invalid/'];
const PROBE_HOST = 'relative.ts-probe.invalid';
const PREFIX_ABSOLUTE = /^https?:\/\//i;

/**
 * The absolute http(s) URL a creative's attribute value stands for, or undefined to leave it as
 * written: empty, relative (root- or path-), a non-network scheme (`data:`, `javascript:`,
 * `about:`, `blob:`, `mailto:`, `tel:`, anything not http/https), unparseable, or excluded.
 *
 * With `base` (a proxied document's own URL), relative values resolve against it instead of
 * being left alone: in the reader's browser they would resolve against `/first-party/proxy` on
 * the publisher's origin and miss. A fragment alone (`#icon`) stays: it names the document itself.
 */
export function toAbsoluteNetworkUrl(
  value: string,
  excludeDomains: readonly string[],
  base?: URL,
): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (base !== undefined && !PREFIX_ABSOLUTE.test(trimmed)) {
    if (trimmed.startsWith('#')) return undefined;
    let resolved: URL;
    try {
      resolved = new URL(trimmed, base);
    } catch {
      return undefined;
    }
    if (resolved.protocol !== 'https:' && resolved.protocol !== 'http:') return undefined;
    return isExcludedHost(resolved.hostname, excludeDomains) ? undefined : resolved.href;
  }
  let absolute: string;
  if (trimmed.startsWith('//')) absolute = `https:${trimmed}`;
  else if (PREFIX_ABSOLUTE.test(trimmed)) absolute = trimmed;
  else {
    const resolved = resolveAgainstProbes(trimmed);
    if (resolved === undefined) return undefined;
    absolute = resolved;
  }
  let url: URL;
  try {
    url = new URL(absolute);
  } catch {
    return undefined; // `https://` alone: nothing a browser would fetch either.
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (isExcludedHost(url.hostname, excludeDomains)) return undefined;
  return absolute;
}

/**
 * The network URL a value resolves to when it does not resolve onto the page itself, whichever
 * scheme the page has; undefined for relative URLs and everything that is not http(s).
 */
function resolveAgainstProbes(value: string): string | undefined {
  // Cheap exit for the common relative forms: no scheme, no backslash, no control characters
  // (which the URL parser strips, so they may hide a `//`).
  // eslint-disable-next-line no-control-regex
  if (!/[:\\\x00-\x1f]/.test(value)) return undefined;
  for (const base of RELATIVE_PROBES) {
    let url: URL;
    try {
      url = new URL(value, base);
    } catch {
      continue;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    if (url.hostname !== PROBE_HOST) return url.href;
  }
  return undefined;
}

/** Whether a host is in `rewrite.exclude_domains` (domain-patterns.ts: `*.x` or exact, any case). */
export function isExcludedHost(host: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => hostMatchesPattern(host, pattern));
}

/**
 * Splits a `srcset` into candidates on commas (space after them optional), except the first comma
 * of a leading `data:` candidate with no whitespace before it (`data:image/png;base64,AAAA 1x`).
 */
export function splitSrcsetCandidates(srcset: string): string[] {
  const items: string[] = [];
  let start = 0;
  for (let i = 0; i < srcset.length; i++) {
    if (srcset[i] !== ',') continue;
    const prefix = srcset.slice(start, i).trimStart();
    if (/^data:/i.test(prefix) && !/\s/.test(prefix)) continue;
    items.push(srcset.slice(start, i));
    i++;
    while (i < srcset.length && /\s/.test(srcset[i] as string)) i++;
    start = i;
    i--; // the loop's i++ lands on the first character of the next candidate
  }
  if (start < srcset.length) items.push(srcset.slice(start));
  return items;
}

/**
 * Rewrites every candidate URL of a `srcset`/`imagesrcset` through `rewrite` (undefined keeps
 * it), keeping descriptors (`1x`, `100w`). As upstream, candidates are re-joined with `", "` and
 * descriptors with single spaces, empty candidates dropped; a value with nothing to rewrite comes
 * back unchanged (the caller then leaves the attribute's bytes alone).
 */
export async function rewriteSrcset(
  srcset: string,
  rewrite: (url: string) => Promise<string | undefined>,
): Promise<string> {
  const candidates = splitSrcsetCandidates(srcset)
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const [url = '', ...descriptor] = item.split(/\s+/);
      return { url, descriptor: descriptor.join(' ') };
    });
  const rewritten = await Promise.all(candidates.map(({ url }) => rewrite(url)));
  if (rewritten.every((value) => value === undefined)) return srcset;
  return candidates
    .map(({ url, descriptor }, index) => {
      const next = rewritten[index] ?? url;
      return descriptor === '' ? next : `${next} ${descriptor}`;
    })
    .join(', ');
}
