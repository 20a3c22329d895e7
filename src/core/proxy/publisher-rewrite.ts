/**
 * The rewriting stage of the publisher proxy: classify the origin response, rewrite its headers,
 * and stream its body through decode → rewrite → encode, every chunk going out as soon as it is
 * processed.
 */
import type { ByteSinkFactory } from '../byte-sink.ts';
import { htmlRewriterSink, type HtmlRuleTarget } from '../html/index.ts';
import type { RequestContext } from '../http/request-context.ts';
import { OriginMatcher, type OriginUrlTarget } from '../rewrite/origin-urls.ts';
import { NextInlinePayloads } from '../rewrite/next-inline.ts';
import { FlightByteRewriter } from '../rewrite/rsc-flight.ts';
import { byteRewriterSink, OriginTextReplacer } from '../rewrite/text-replacer.ts';
import type { ByteTransform, PlatformServices } from '../services.ts';
import type { Settings } from '../settings/settings-schema.ts';
import { tsjsScriptSrc, type TsjsBundle } from '../static/tsjs-route.ts';
import { chooseResponseCoding, classifyResponse } from './classify.ts';
import { addVary } from '../http/vary.ts';
import { runBodyPlan } from './body-pipeline.ts';
import { applyHtmlRules, cspNonce } from './html-rules.ts';
import type { ResponseTransform } from './publisher-proxy.ts';

const URL_HEADERS = ['location', 'content-location', 'link'];

export function createPublisherRewrite(
  settings: Settings,
  services: PlatformServices,
  bundle: Promise<TsjsBundle>,
): ResponseTransform {
  const matcher = new OriginMatcher(settings.publisher.origin_url);
  const nextjs = settings.integrations.nextjs !== undefined;
  // A T row is held whole to recompute its length; past this it streams through unchanged.
  const maxRscRow = settings.integrations.nextjs?.max_combined_payload_bytes || 10 * 1024 * 1024;
  const maxDecoded = settings.proxy.max_decoded_body_bytes;
  const cookieDomain = settings.publisher.cookie_domain;
  const originHost = matcher.host;
  // Computed once; awaiting a settled promise per page costs a microtask.
  const tsjsSrc = bundle.then(tsjsScriptSrc);

  return async (response: Response, request: Request, ctx: RequestContext): Promise<Response> => {
    const target: OriginUrlTarget = { scheme: ctx.scheme, host: ctx.host };
    const headers = new Headers(response.headers);
    rewriteHeaders(headers, matcher, target, originHost, cookieDomain);

    // HEAD answers with the headers GET would get: judged as a GET, framed as its rewrite.
    const head = request.method === 'HEAD';
    const kind = classifyResponse({
      method: head ? 'GET' : request.method,
      status: response.status,
      contentType: headers.get('content-type'),
      contentEncoding: headers.get('content-encoding'),
      nextjs,
    });
    const init = { status: response.status, statusText: response.statusText, headers };
    if (kind.processing === 'passthrough' || (response.body === null && !head)) {
      return new Response(response.body, init);
    }
    const coding = chooseResponseCoding(request.headers.get('accept-encoding'));
    frameRewrittenBody(headers, coding);
    if (head || response.body === null) return new Response(null, init);

    let rewrite: ByteSinkFactory | ByteTransform;
    if (kind.processing === 'html') {
      const rules = {
        matcher,
        target,
        tsjsSrc: await tsjsSrc,
        headSnippets: '',
        nonce: cspNonce(headers.get('content-security-policy')),
        ...(nextjs ? { nextInline: new NextInlinePayloads(matcher, target, maxRscRow) } : {}),
      };
      const setup = (rewriter: HtmlRuleTarget) => applyHtmlRules(rewriter, rules);
      const options = { ...(kind.charset ? { encoding: kind.charset } : {}), log: services.log };
      rewrite = services.htmlEngine
        ? services.htmlEngine(setup, options)
        : htmlRewriterSink(setup, options);
    } else if (kind.processing === 'rsc') {
      rewrite = byteRewriterSink(new FlightByteRewriter(matcher, target, maxRscRow));
    } else {
      rewrite = byteRewriterSink(new OriginTextReplacer(matcher, target));
    }
    const plan: Parameters<typeof runBodyPlan>[1] = { rewrite };
    if (kind.coding !== 'identity')
      plan.decode = { coding: kind.coding, maxDecodedBytes: maxDecoded };
    if (coding !== 'identity') {
      const level = coding === 'br' ? settings.proxy.brotli_quality : settings.proxy.gzip_level;
      plan.encode = { coding, level };
    }
    // Where the platform limits the pages worked on at once, this one waits its turn here, with
    // its origin's answer unread: nothing is built for it until it may run.
    if (services.admit) plan.permit = await services.admit(request.signal);
    try {
      return new Response(runBodyPlan(response.body, plan, services.codecs), init);
    } catch (error) {
      plan.permit?.release();
      throw error;
    }
  };
}

/**
 * The framing of a rewritten body: the client's coding, no length (it is not known until the
 * end), `Vary: Accept-Encoding`, and a weak `ETag` (the bytes differ from the origin's).
 */
function frameRewrittenBody(headers: Headers, coding: 'identity' | 'gzip' | 'br'): void {
  if (coding === 'identity') headers.delete('content-encoding');
  else headers.set('content-encoding', coding);
  headers.delete('content-length');
  addVary(headers, 'Accept-Encoding');
  const etag = headers.get('etag');
  if (etag !== null && !etag.startsWith('W/')) headers.set('etag', `W/${etag}`);
}

/** Origin URLs in `Location`, `Content-Location`, `Link`; `Set-Cookie` `Domain=<origin>`. */
function rewriteHeaders(
  headers: Headers,
  matcher: OriginMatcher,
  target: OriginUrlTarget,
  originHost: string,
  cookieDomain: string,
): void {
  for (const name of URL_HEADERS) {
    const value = headers.get(name);
    if (value === null) continue;
    const result = matcher.rewrite(value, target, { bare: 'never' });
    if (result.changed) headers.set(name, result.text);
  }
  const cookies = headers.getSetCookie();
  if (cookies.length === 0) return;
  const domain = new RegExp(
    `(;\\s*domain\\s*=\\s*)\\.?${originHost.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=\\s*(;|$))`,
    'i',
  );
  const rewritten = cookies.map((cookie) => cookie.replace(domain, `$1${cookieDomain}`));
  if (rewritten.every((cookie, index) => cookie === cookies[index])) return;
  headers.delete('set-cookie');
  for (const cookie of rewritten) headers.append('set-cookie', cookie);
}
