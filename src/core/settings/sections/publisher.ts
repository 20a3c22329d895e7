/** `[publisher]`: the site this server fronts. */
import { hostName } from '../field-kinds.ts';
import { array, httpUrl, int, object, secret, str } from '../schema.ts';

export const publisher = object({
  domain: hostName(),
  /** Port-only: more public hosts this server answers for. */
  hosts: array(hostName()).default(() => []),
  cookie_domain: str(),
  origin_url: httpUrl().check((text) => {
    if (text.endsWith('/')) return 'must not end with "/"';
    const url = new URL(text);
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
      return 'must be scheme://host[:port] only (no path, query, fragment or credentials)';
    }
    return undefined;
  }),
  /** `Host` sent to the origin instead of `origin_url`'s host (upstream HEAD). */
  origin_host_header_override: hostName().optional(),
  proxy_secret: secret(),
  /** Upstream's cap on a fully buffered, post-processed origin body (16 MiB). */
  max_buffered_body_bytes: int({ min: 1 }).default(16 * 1024 * 1024),
});
