/**
 * Which URLs a creative may load as they are, and which must go through the first-party proxy.
 * Excluded hosts are matched by the server's own rule (bundled from core), so the runtime never
 * asks `/first-party/sign` for a URL the server would refuse as excluded, or the reverse.
 */
import { hostMatchesPattern } from '../../../src/core/first-party/domain-patterns.ts';

/**
 * The absolute third-party URL to sign, or undefined to leave `raw` alone: empty values, non-http
 * schemes (`data:`, `blob:`, `about:`…), URLs on the Trusted Server (relative ones in a document it
 * served), and hosts the operator excluded. `raw` is resolved against `base` (the document's
 * `baseURI`) exactly as the browser will load it, so spellings a browser reads as another host
 * (`\\evil.example/x`, `/\\evil.example/x`, `/<TAB>/evil.example/x`) are signed like
 * `//evil.example/x`, never mistaken for paths.
 */
export function urlToSign(
  raw: string,
  origin: string,
  directDomains: readonly string[],
  base: string = origin,
): string | undefined {
  if (raw.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.origin === origin) return undefined;
  if (directDomains.some((pattern) => hostMatchesPattern(url.hostname, pattern))) return undefined;
  return url.href;
}

export interface SrcsetCandidate {
  url: string;
  /** Everything after the URL up to the comma (width/density descriptors), as written. */
  descriptor: string;
}

/** A forgiving `srcset` split: a URL is a run of non-space characters (data: URLs keep commas). */
export function parseSrcset(value: string): SrcsetCandidate[] {
  const candidates: SrcsetCandidate[] = [];
  let i = 0;
  const at = (index: number): string => value.charAt(index);
  while (i < value.length) {
    while (i < value.length && /[\s,]/.test(at(i))) i += 1;
    if (i >= value.length) break;
    const urlStart = i;
    while (i < value.length && !/\s/.test(at(i))) i += 1;
    let url = value.slice(urlStart, i);
    let descriptor = '';
    // Trailing commas end a candidate that has no descriptor; otherwise read up to the next comma.
    if (url.endsWith(',')) url = url.replace(/,+$/, '');
    else {
      const descriptorStart = i;
      while (i < value.length && at(i) !== ',') i += 1;
      descriptor = value.slice(descriptorStart, i).trim();
    }
    candidates.push({ url, descriptor });
  }
  return candidates;
}

export function serializeSrcset(candidates: readonly SrcsetCandidate[]): string {
  return candidates.map((c) => (c.descriptor ? `${c.url} ${c.descriptor}` : c.url)).join(', ');
}
