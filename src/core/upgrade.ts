/**
 * `Upgrade` requests (WebSocket) cannot be expressed as a fetch; adapters that can tunnel raw
 * bytes ask core what to connect to. Core applies the same auth, host and header rules as for any
 * other proxied request and returns the origin target and the headers to send.
 */
import type { BasicAuthCheck } from './auth/basic-auth.ts';
import { errorResponse, toTsError } from './errors.ts';
import { unauthorizedResponse } from './auth/basic-auth.ts';
import type { RequestContext } from './http/request-context.ts';
import { buildOriginHeaders, originUrl } from './proxy/origin-request.ts';
import type { Settings } from './settings/settings-schema.ts';

export type UpgradePlan =
  { kind: 'tunnel'; url: URL; headers: Headers } | { kind: 'refuse'; response: Response };

export async function planUpgrade(
  request: Request,
  settings: Settings,
  contextFor: (request: Request) => RequestContext,
  authorize: BasicAuthCheck,
  finalize: (response: Response) => Response,
): Promise<UpgradePlan> {
  const refuse = (response: Response): UpgradePlan => ({
    kind: 'refuse',
    response: finalize(response),
  });
  try {
    const ctx = contextFor(request);
    const verdict = await authorize(ctx.path, request.headers.get('authorization'));
    if (verdict === 'denied') return refuse(unauthorizedResponse());
    if (verdict === 'granted') ctx.headers.delete('authorization');
    const protocol = request.headers.get('upgrade');
    if (!protocol || protocol.toLowerCase() !== 'websocket') {
      return refuse(new Response('Unsupported upgrade\n', { status: 400 }));
    }
    const origin = { base: new URL(settings.publisher.origin_url) };
    const url = originUrl(ctx, origin);
    const headers = buildOriginHeaders(ctx, origin);
    // Hop-by-hop removal dropped these; a tunnel is the one place they must survive.
    headers.set('connection', 'Upgrade');
    headers.set('upgrade', protocol);
    return { kind: 'tunnel', url, headers };
  } catch (thrown) {
    // A refused request (400) or a broken invariant (500, generic): never a rejection, which an
    // adapter holding a raw socket could not answer.
    return refuse(errorResponse(toTsError(thrown)));
  }
}
