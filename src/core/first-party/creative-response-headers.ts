/**
 * The headers a proxied creative is served with. A creative host's answer arrives on the
 * publisher's own origin, so only headers that describe the content pass; everything else a
 * third party could say to the publisher's origin is dropped: `Set-Cookie` (its cookies would be
 * first-party), CORS grants (the body would become readable cross-origin: upstream strips them
 * too), `Clear-Site-Data` (would wipe the publisher's storage), `Strict-Transport-Security`,
 * `Alt-Svc`, `Service-Worker-Allowed`, `Refresh`, `Link`…: an allow-list, so a header invented
 * tomorrow does not pass either.
 *
 * Every answer is also sandboxed (`CREATIVE_SANDBOX`): `/first-party/sign` signs any http(s) URL
 * for any caller, so any website can have its own HTML or SVG served here. Sandboxed, such a
 * document runs in an opaque origin: it cannot read the publisher's cookies or storage, nor make
 * same-origin requests; a creative still runs its scripts, opens its landing page and submits its
 * forms (the creative runtime works in an opaque origin).
 */
import { privateCacheControl } from '../http/response-privacy.ts';
import { addVary } from '../http/vary.ts';

/** The sandbox every proxied answer carries: scripts, popups and forms, never the origin. */
export const CREATIVE_SANDBOX =
  'sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox allow-forms';

const PASSED = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-disposition',
  'content-range',
  'accept-ranges',
  'cache-control',
  'expires',
  'last-modified',
  'etag',
  'age',
  // What the answer varied by: without it a shared cache would hand one variant to every reader.
  'vary',
] as const;

export interface CreativeHeaderOptions {
  /** The reader's ID went to the host: its answer may be theirs alone. */
  idForwarded: boolean;
  /** The client's `Accept` asked for an image (a missing type then defaults to `image/*`). */
  acceptsImage: boolean;
}

export function creativeResponseHeaders(
  upstream: Headers,
  options: CreativeHeaderOptions,
): Headers {
  const out = new Headers();
  for (const name of PASSED) {
    const value = upstream.get(name);
    if (value !== null) out.set(name, value);
  }
  if (!out.has('content-type')) {
    // Upstream's default for images; anything else is opaque bytes, never sniffed into HTML.
    out.set('content-type', options.acceptsImage ? 'image/*' : 'application/octet-stream');
    // The type now depends on the request's Accept: a cache must key on it.
    if (options.acceptsImage) addVary(out, 'Accept');
  }
  // The body's type is the one this proxy judged it by: a browser must not sniff another.
  out.set('x-content-type-options', 'nosniff');
  out.set('content-security-policy', CREATIVE_SANDBOX);
  if (options.idForwarded) out.set('cache-control', privateCacheControl(out.get('cache-control')));
  return out;
}
