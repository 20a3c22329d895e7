/**
 * `GET /first-party/proxy`: a creative's resource, fetched from its host and served on the
 * publisher's origin. The signed URL is checked first and a refused one fetches nothing; then
 * the body is answered by type: HTML streams through the creative rewriter, CSS is rewritten whole
 * (at most DEFAULT_CREATIVE_MAX_BYTES in and out), images and everything else pass as they came.
 */
import { TsError } from '../errors.ts';
import type { RequestContext } from '../http/request-context.ts';
import type { EcState } from '../identity/ec-lifecycle.ts';
import type { ByteTransform, PlatformServices } from '../services.ts';
import type { Settings } from '../settings/settings-schema.ts';
import { bodyText, charsetDecoder, decodedBody, utf8Body, watchedBody } from './creative-body.ts';
import type { CreativeFetch } from './creative-fetch.ts';
import { creativeResponseHeaders } from './creative-response-headers.ts';
import { cssMaxBytes } from './creative-rewrite.ts';
import { withEcParam } from './ec-param.ts';
import type { ProxyTokenSigner } from './token.ts';
import { signedUrlError, verifySignedUrl } from './verify-signed-url.ts';

/** What the rewriters are told about the creative they rewrite. */
export interface CreativeRewriteContext {
  /** The creative's own URL after redirects: relative URLs in it resolve against this. */
  url: URL;
}

/**
 * The creative rewriters (creative-rewrite.ts), passed in so the route does not depend on how
 * they are built.
 */
export interface CreativeRewriters {
  htmlTransform(context: CreativeRewriteContext): ByteTransform;
  cssRewrite(css: string, context: CreativeRewriteContext): Promise<string>;
}

export interface ProxyRouteDependencies {
  signer: ProxyTokenSigner;
  fetchCreative: CreativeFetch;
  rewriters: CreativeRewriters;
}

export function createProxyHandler(
  settings: Settings,
  services: Pick<PlatformServices, 'codecs' | 'log' | 'now'>,
  deps: ProxyRouteDependencies,
): (request: Request, ctx: RequestContext, ec: EcState | undefined) => Promise<Response> {
  const maxBytes = settings.proxy.creative_max_bytes;
  const maxCssBytes = cssMaxBytes(maxBytes);
  return async (request, ctx, ec) => {
    const check = await verifySignedUrl(deps.signer, ctx.url, { now: services.now() });
    if (!check.ok) throw signedUrlError(check);
    const target = parseTarget(check.target);
    const { url, forwarded } = withEcParam(target, ec);

    const fetched = await deps.fetchCreative(url, ctx.headers, request.signal);
    const { response } = fetched;
    const headers = creativeResponseHeaders(response.headers, {
      idForwarded: forwarded,
      acceptsImage: (ctx.headers.get('accept') ?? '').includes('image/'),
    });
    const context: CreativeRewriteContext = { url: fetched.url };
    const type = mediaType(response.headers.get('content-type'));
    const host = fetched.url.hostname;
    const body = response.body;
    if (body === null || (type !== 'text/html' && type !== 'text/css')) {
      return new Response(body === null ? null : watchedBody(body, services.log, host), {
        status: response.status,
        headers,
      });
    }

    let charset: ReturnType<typeof charsetDecoder>;
    try {
      charset = charsetDecoder(response.headers.get('content-type'));
    } catch (error) {
      void body.cancel().catch(() => {});
      throw error;
    }
    const decoded = decodedBody(
      body,
      response.headers.get('content-encoding'),
      services.codecs,
      type === 'text/css' ? maxCssBytes : maxBytes,
    );
    headers.delete('content-length');
    headers.delete('content-encoding');
    headers.delete('content-range');
    headers.delete('etag');
    if (type === 'text/css') {
      const text = await bodyText(decoded, maxCssBytes, charset);
      const css = await deps.rewriters.cssRewrite(text, context);
      headers.set('content-type', 'text/css; charset=utf-8');
      return new Response(css, { status: response.status, headers });
    }
    headers.set('content-type', 'text/html; charset=utf-8');
    const utf8 = charset === undefined ? decoded : utf8Body(decoded, charset);
    const rewritten = watchedBody(utf8, services.log, host).pipeThrough(
      deps.rewriters.htmlTransform(context),
    );
    return new Response(rewritten, { status: response.status, headers });
  };
}

/** The signed target as a URL; one that no longer parses was signed by mistake. */
export function parseTarget(target: string): URL {
  try {
    return new URL(target);
  } catch {
    throw new TsError('bad_request', 'first-party signed URL: target does not parse', {
      publicMessage: 'invalid target URL',
    });
  }
}

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
