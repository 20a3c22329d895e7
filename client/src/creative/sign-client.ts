/**
 * Asks `/first-party/sign` for a short-lived proxy URL for one third-party resource.
 *
 * Same-origin documents POST JSON (upstream's shape). An opaque-origin creative cannot read a
 * preflighted answer, so it sends a CORS-simple `GET ?url=` without credentials instead; the
 * server has to answer it with `Access-Control-Allow-Origin`.
 */
import type { CreativeContext } from './context.ts';

export const SIGN_PATH = '/first-party/sign';
const PROXY_PATH = '/first-party/proxy';

/** The absolute signed URL, or undefined when the server refused or answered something odd. */
export async function signResourceUrl(
  ctx: CreativeContext,
  absoluteUrl: string,
): Promise<string | undefined> {
  if (typeof fetch !== 'function') return undefined;
  try {
    const response = ctx.sameOrigin
      ? await fetch(`${ctx.origin}${SIGN_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify({ url: absoluteUrl }),
        })
      : await fetch(`${ctx.origin}${SIGN_PATH}?url=${encodeURIComponent(absoluteUrl)}`, {
          credentials: 'omit',
        });
    if (!response.ok) {
      ctx.log.warn('sign refused', response.status);
      return undefined;
    }
    const body = (await response.json()) as { href?: unknown } | null;
    return firstPartyUrl(ctx, body?.href, PROXY_PATH);
  } catch (error) {
    ctx.log.warn('sign request failed', error);
    return undefined;
  }
}

/**
 * `value` resolved against the Trusted Server, if it lands on `path` there. Server answers are
 * checked before they reach a `src` or `href`: a wrong answer must not become a direct load.
 */
export function firstPartyUrl(
  ctx: CreativeContext,
  value: unknown,
  path: string,
): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value, ctx.origin);
    return url.origin === ctx.origin && url.pathname === path ? url.href : undefined;
  } catch {
    return undefined;
  }
}
