/**
 * What every guard needs to know about where it runs: the Trusted Server origin that first-party
 * URLs belong to, whether this document may `fetch` that origin and read the answer, and which
 * hosts the operator chose to leave direct (`rewrite.exclude_domains`).
 */
import type { ClientLogger } from '../core/log.ts';

export interface CreativeContext {
  /** `scheme://host[:port]` of the server that served this runtime: where we sign and click. */
  origin: string;
  /**
   * True when a `fetch` to {@link origin} can read its answer: the document has that origin. In an
   * opaque-origin iframe (sandbox without `allow-same-origin`) every request is `Origin: null`, so
   * the guards take request-free or CORS-simple paths instead.
   */
  sameOrigin: boolean;
  /** `exclude_domains` patterns: `host` or `*.suffix`, matched as upstream does. */
  directDomains: readonly string[];
  log: ClientLogger;
}

/**
 * The origin comes from this script's own absolute `src`, pinned at load: it is exactly the server
 * that will sign for us, it is right inside an `about:srcdoc` frame (where `location` is useless),
 * and a `<base>` a creative injects later cannot move it.
 */
export function readContext(
  script: HTMLOrSVGScriptElement | null,
  log: ClientLogger,
): CreativeContext | undefined {
  const origin = httpOrigin(script instanceof HTMLScriptElement ? script.src : '') ?? pageOrigin();
  if (!origin) return undefined;
  const direct = script?.getAttribute('data-ts-direct') ?? '';
  return {
    origin,
    sameOrigin: pageOrigin() === origin,
    directDomains: direct.split(/\s+/).filter(Boolean),
    log,
  };
}

function httpOrigin(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return parsed.origin;
  } catch {
    return undefined;
  }
}

/** This document's origin, or undefined when it is opaque (`'null'`) or unreadable. */
function pageOrigin(): string | undefined {
  try {
    const own = (window as { origin?: unknown }).origin;
    if (own === 'null') return undefined;
    return httpOrigin(location.href);
  } catch {
    return undefined;
  }
}
