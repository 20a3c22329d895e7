/** `[auction]`: the server-side auction (upstream HEAD's keys). */
import { array, bool, int, object, oneOf, str } from '../schema.ts';

export const auction = object({
  enabled: bool().default(false),
  providers: array(oneOf(['prebid', 'aps', 'adserver_mock'])).default(() => []),
  mediator: str().optional(),
  timeout_ms: int({ min: 1, max: 60000 }).default(2000),
  /** Read by nothing upstream: accepted, warned about. */
  creative_store: str().default('creative_store'),
  /** Strip executable markup (script, object, embed, form…) from winning creatives. */
  sanitize_creatives: bool().default(false),
  /** Route creative URLs and clicks through first-party endpoints. */
  rewrite_creatives: bool().default(true),
  /** Page-context keys a browser may pass into the auction's `config`; none by default. */
  allowed_context_keys: array(str()).default(() => []),
}).refine((section, report) => {
  if (section.enabled && !section.rewrite_creatives) {
    report.warn(
      'rewrite_creatives',
      'false: creative assets and clicks may contact third-party hosts directly',
    );
  }
});
