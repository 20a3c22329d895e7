/**
 * Host patterns as `proxy.allowed_domains` and `rewrite.exclude_domains` write them: `*.example.com`
 * matches `example.com` and every subdomain at a dot boundary (never `evil-example.com`); any
 * other pattern is one exact host. Case does not matter, nor a trailing dot on the host (DNS
 * treats `cdn.example.` and `cdn.example` as one name, so a pattern must too).
 */

export function hostMatchesPattern(host: string, pattern: string): boolean {
  const name = normaliseHost(host);
  const wanted = pattern.trim().toLowerCase();
  if (wanted.startsWith('*.')) {
    const base = wanted.slice(2);
    return base !== '' && (name === base || name.endsWith(`.${base}`));
  }
  return name === wanted;
}

/**
 * `proxy.allowed_domains` as upstream reads it: blanks and a bare `*` are dropped, and a list
 * left empty allows every host (open mode: a creative may come from any CDN a bidder uses).
 */
export function createHostAllowList(patterns: readonly string[]): (host: string) => boolean {
  const kept = patterns.map((pattern) => pattern.trim()).filter((p) => p !== '' && p !== '*');
  if (kept.length === 0) return () => true;
  return (host) => kept.some((pattern) => hostMatchesPattern(host, pattern));
}

/**
 * `rewrite.exclude_domains`: whether `url` points at an excluded host. Protocol-relative URLs
 * (`//cdn.example/x`) are read as https, which upstream HEAD fixed: before, they escaped the
 * list because they do not parse on their own.
 */
export function isExcludedUrl(url: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  const trimmed = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(trimmed.startsWith('//') ? `https:${trimmed}` : trimmed);
  } catch {
    return false;
  }
  if (parsed.hostname === '') return false;
  return patterns.some((pattern) => hostMatchesPattern(parsed.hostname, pattern));
}

function normaliseHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
