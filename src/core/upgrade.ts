/**
 * `Upgrade` requests (WebSocket) cannot be expressed as a fetch; adapters that can tunnel raw
 * bytes ask core what to connect to. Core applies the same auth, host and header rules as for any
 * other proxied request and returns the origin target and the headers to send.
 */
import { unauthorizedError, type BasicAuthCheck } from './auth/basic-auth.ts';
import { TsError } from './errors.ts';
import type { RequestContext } from './http/request-context.ts';
import { buildOriginHeaders, originUrl } from './proxy/origin-request.ts';
import type { Settings } from './settings/settings-schema.ts';

export type UpgradePlan =
  { kind: 'tunnel'; url: URL; headers: Headers } | { kind: 'refuse'; response: Response };

/**
 * `fail` is the app's error mapping (log line, error response, finalize headers); `path` is the
 * normalised path once known.
 */
export async function planUpgrade(
  request: Request,
  settings: Settings,
  contextFor: (request: Request) => RequestContext,
  authorize: BasicAuthCheck,
  fail: (thrown: unknown, path: string | undefined) => Response,
): Promise<UpgradePlan> {
  let path: string | undefined;
  try {
    const ctx = contextFor(request);
    path = ctx.path;
    const verdict = await authorize(ctx.path, request.headers.get('authorization'));
    if (verdict === 'denied') throw unauthorizedError();
    if (verdict === 'granted') ctx.headers.delete('authorization');
    const protocol = request.headers.get('upgrade');
    if (!protocol || protocol.toLowerCase() !== 'websocket') {
      throw new TsError('bad_request', 'upgrade to a protocol other than websocket', {
        publicMessage: 'Unsupported upgrade',
      });
    }
    const origin = { base: new URL(settings.publisher.origin_url) };
    const url = originUrl(ctx, origin);
    const headers = buildOriginHeaders(ctx, origin);
    // Hop-by-hop removal dropped these; a tunnel is the one place they must survive.
    headers.set('connection', 'Upgrade');
    headers.set('upgrade', protocol);
    return { kind: 'tunnel', url, headers };
  } catch (thrown) {
    // A refused request (4xx) or a broken invariant (500, generic): never a rejection, which an
    // adapter holding a raw socket could not answer.
    return { kind: 'refuse', response: fail(thrown, path) };
  }
}
