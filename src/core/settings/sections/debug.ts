/** `[debug]` and `[tester_cookie]`: diagnostics that must stay off in production. */
import { array, bool, object, oneOf } from '../schema.ts';

/** The only response-metadata keys the auction dump may show (upstream's fixed allowlist). */
export const AUCTION_DEBUG_METADATA_KEYS = ['error_type', 'http_status', 'message'] as const;

export const debug = object({
  /** `GET /_ts/debug/ja4` (Fastly): reflects TLS details a page cannot otherwise read. */
  ja4_endpoint_enabled: bool().default(false),
  /** Dumps the auction into an HTML comment before `</body>`. Never in production. */
  auction_html_comment: bool().default(false),
  auction_html_comment_options: object({
    include_provider_responses: bool().default(true),
    include_mediator_response: bool().default(true),
    include_bids: bool().default(true),
    metadata_keys: array(oneOf(AUCTION_DEBUG_METADATA_KEYS)).default(() => [
      ...AUCTION_DEBUG_METADATA_KEYS,
    ]),
    /** `upstream` and `full` may expose identity data: test sites only. */
    verbosity: oneOf(['redacted', 'upstream', 'full']).default('redacted'),
    format: oneOf(['compact', 'pretty']).default('compact'),
  }).orEmpty(),
  /** Testing only: the direct GAM-replace path and the raw `debug_bid` blob in the page. */
  inject_adm_for_testing: bool().default(false),
});

/** `GET /_ts/set-tester` and `/_ts/clear-tester` set or clear the `ts-tester` cookie. */
export const testerCookie = object({
  enabled: bool().default(false),
});
