/**
 * `GET /first-party/click`: a creative's link, checked and sent on with a 302. The browser follows
 * it, not this server, so `http` targets are allowed (an advertiser's landing page may be one);
 * any other scheme (`javascript:`, `data:`) is refused even when signed.
 */
import { TsError } from '../errors.ts';
import type { RequestContext } from '../http/request-context.ts';
import { ecLogId } from '../identity/ec-id.ts';
import type { EcState } from '../identity/ec-lifecycle.ts';
import type { PlatformServices } from '../services.ts';
import { withEcParam } from './ec-param.ts';
import { parseTarget } from './proxy-route.ts';
import type { ProxyTokenSigner } from './token.ts';
import { signedUrlError, verifySignedUrl } from './verify-signed-url.ts';

export function createClickHandler(
  services: Pick<PlatformServices, 'log' | 'now'>,
  signer: ProxyTokenSigner,
): (request: Request, ctx: RequestContext, ec: EcState | undefined) => Promise<Response> {
  return async (_request, ctx, ec) => {
    const check = await verifySignedUrl(signer, ctx.url, { now: services.now() });
    if (!check.ok) throw signedUrlError(check);
    const target = parseTarget(check.target);
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      throw new TsError('bad_request', `click target scheme ${target.protocol} refused`, {
        publicMessage: 'click target must be http(s)',
      });
    }
    const { url, forwarded } = withEcParam(target, ec);
    // The host only: the full target may carry campaign or user parameters.
    services.log.info('first-party click', {
      host: url.hostname,
      params: check.hadParams,
      ec: forwarded && ec?.id !== undefined ? ecLogId(ec.id) : undefined,
    });
    return new Response(null, {
      status: 302,
      headers: { location: url.href, 'cache-control': 'no-store, private' },
    });
  };
}
