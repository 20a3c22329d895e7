/**
 * Keys this port adds for how the process itself runs: `[server]` (Node), `[logging]`,
 * `[cloudflare]` (Workers).
 */
import { int, object, oneOf } from '../schema.ts';

export const server = object({
  max_header_size: int({ min: 1024, max: 1048576 }).default(16384),
  max_headers_count: int({ min: 8, max: 10000 }).default(100),
  headers_timeout_ms: int({ min: 100 }).default(10000),
  request_timeout_ms: int({ min: 100 }).default(60000),
  keep_alive_timeout_ms: int({ min: 100 }).default(5000),
  shutdown_timeout_ms: int({ min: 0 }).default(10000),
  /**
   * Pages one process rewrites at once; more wait their turn, up to a second (0: no limit). The page path is CPU-bound: more at once finish no sooner and hold more memory
   * (src/node/work-permits.ts).
   */
  max_active_pages: int({ min: 0, max: 4096 }).default(8),
});

/**
 * Cloudflare Workers adapter only (validated everywhere, read only there): which engine runs the
 * HTML rules — the project's own, or the Workers runtime's native lol_html `HTMLRewriter`.
 */
export const cloudflare = object({
  html_engine: oneOf(['builtin', 'htmlrewriter']).default('builtin'),
});

export const logging = object({
  level: oneOf(['debug', 'info', 'warn', 'error']).default('info'),
});
