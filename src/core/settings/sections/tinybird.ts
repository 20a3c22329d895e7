/** `[tinybird]`: auction telemetry to the Tinybird Events API (upstream HEAD). */
import { dnsNameProblem } from '../field-kinds.ts';
import { bool, int, num, object, str } from '../schema.ts';

const DATASET = /^[A-Za-z0-9_]{1,128}$/;

export const tinybird = object({
  enabled: bool().default(false),
  /** The regional API host, without scheme, port or path. */
  api_host: str({ nonEmpty: false }).default(''),
  secret_store: str().default('ts_secrets'),
  auction_dataset: str().default('auction_events_raw'),
  auction_token_secret: str().default('tinybird_auction_append_token'),
  /** Reserved upstream for access-log telemetry, which has no emitter: `true` is refused. */
  access_enabled: bool()
    .check((on) =>
      on ? 'access-log telemetry has no emitter (reserved upstream); leave it false' : undefined,
    )
    .default(false),
  access_dataset: str().default('access_logs_raw'),
  access_token_secret: str().default('tinybird_access_append_token'),
  access_sample_rate: num({ min: 0 })
    .check((rate) => (rate > 1 ? `must be between 0.0 and 1.0, got ${rate}` : undefined))
    .default(0),
  max_body_bytes: int({ min: 1024 }).default(1024 * 1024),
}).refine((section, report) => {
  if (!section.enabled) return;
  const host = section.api_host.trim();
  if (host === '') report.error('api_host', 'required when enabled = true');
  else {
    const problem = dnsNameProblem(host);
    if (problem !== undefined) report.error('api_host', problem);
  }
  if (!DATASET.test(section.auction_dataset)) {
    report.error('auction_dataset', 'must be a datasource name of letters, digits and "_"');
  }
});
