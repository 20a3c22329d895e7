/** `[proxy]`: how the origin is reached, plus upstream's first-party proxy allow-list. */
import { cidr } from '../field-kinds.ts';
import { array, bool, int, object, str } from '../schema.ts';

export const proxy = object(
  {
    certificate_check: bool().default(true),
    /** Peers whose `X-Forwarded-*`/`Forwarded` headers are believed (a load balancer in front). */
    trusted_proxies: array(cidr()).default(() => []),
    /**
     * Hosts the first-party proxy may fetch creatives from, on the first URL and every redirect
     * (`*.example.com`: the domain and its subdomains; else exact). Empty: any public host.
     */
    allowed_domains: array(str()).default(() => []),
    /**
     * Lets the first-party proxy reach loopback and private addresses, and plain `http` on
     * loopback: for tests and local development only (a creative could otherwise reach the
     * operator's own network through it).
     */
    allow_private_targets: bool().default(false),
    /** Cap on a proxied creative's body; a larger one fails (502), it is never buffered. */
    creative_max_bytes: int({ min: 1024 }).default(10 * 1024 * 1024),
    /**
     * A proxied creative's whole exchange, request to last byte, redirects included: a host that
     * drips bytes (slow loris) cannot hold the reader's request longer than this.
     */
    creative_timeout_ms: int({ min: 1, max: 600000 }).default(10000),
    /**
     * Connect to this `host:port` instead of resolving the origin's host (which keeps its name for
     * `Host` and TLS). For origins whose public name points at this server, and for tests.
     */
    origin_address: str()
      .check((text) =>
        /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(text)
          ? undefined
          : `must be host:port, got "${text}"`,
      )
      .optional(),
    connect_timeout_ms: int({ min: 1, max: 600000 }).default(1000),
    first_byte_timeout_ms: int({ min: 1, max: 600000 }).default(15000),
    between_bytes_timeout_ms: int({ min: 1, max: 600000 }).default(10000),
    /**
     * A response's whole life, origin request sent to its last byte; 0 turns it off. An origin that
     * drips a byte a second stays under every between-bytes timeout and would hold the response
     * and its sockets for as long as it liked. Five minutes leaves large downloads to slow readers
     * room (100 MB at 3 Mbit/s); event streams are exempt.
     */
    max_response_ms: int({ min: 0, max: 86400000 }).default(300000),
    /**
     * Compression of rewritten responses: CPU against bytes. On the 553 KB fixture page, gzip 3 (the
     * best of zlib's fast levels 1–3) takes ~3.2 ms for 91.9 kB, 4 takes ~4.7 ms for 86.5 kB, 6
     * ~7.7 ms for 81.5 kB: 3 is a third cheaper than 4 for 6 % more bytes (nginx defaults to 1).
     * Brotli, streamed with a flush per chunk as the proxy does: quality 2 gives 60.9 kB for about
     * two thirds of gzip 3's CPU, quality 4 (upstream's) 56.6 kB for about 1.5× quality 2's, and
     * under load (16 pages at once) quality 4 cost ~6 ms of CPU more per page than 2
     * (docs/performance.md). Quality 1 costs about half of 2 for 70.5 kB (16 % more bytes: not
     * the default, a page's weight is its readers' time).
     */
    gzip_level: int({ min: 1, max: 9 }).default(3),
    brotli_quality: int({ min: 0, max: 11 }).default(2),
    /** Cap on a rewritten body's decoded size (decompression bombs); past it the response aborts. */
    max_decoded_body_bytes: int({ min: 1024 }).default(256 * 1024 * 1024),
  },
  'table',
  {
    retired: {
      // Refused rather than accepted-and-warned: ignoring a route would send those requests to
      // the publisher origin, unsigned, which the operator would not notice.
      asset_routes:
        'asset routes (S3 SigV4 and image-optimizer origins) are not supported by this server ' +
        'yet; remove the key (requests under those prefixes would otherwise reach the publisher ' +
        'origin unsigned)',
    },
  },
).refine((section, report) => {
  if (section.allow_private_targets) {
    report.warn(
      'allow_private_targets',
      'true: the first-party proxy may fetch loopback and private addresses; for tests and local development only',
    );
  }
});
