/**
 * `[integrations.aps]`: Amazon Publisher Services over OpenRTB (upstream HEAD). `account_id` is
 * the key; `pub_id` is still read as its old name. The legacy `/e/dtb/bid` API is refused.
 */
import { dnsNameProblem, httpsUrlProblem } from '../field-kinds.ts';
import { bool, int, json, str, type InferShape } from '../schema.ts';
import { integration } from './integration.ts';

const MAX_ACCOUNT_ID_BYTES = 1024;

/** Upstream takes the account as a string or an integer; it is kept as text. */
const accountId = () =>
  json()
    .check((value) => {
      if (typeof value === 'number' || typeof value === 'bigint') {
        return Number.isSafeInteger(Number(value)) ? undefined : 'must be an integer or a string';
      }
      if (typeof value !== 'string' || value.trim() === '') {
        return 'expected a non-empty string or an integer';
      }
      return value.length > MAX_ACCOUNT_ID_BYTES ? 'is too long' : undefined;
    })
    .transform((value) => (typeof value === 'string' ? value.trim() : String(value)));

const endpoint = str().check((url) => {
  const problem = httpsUrlProblem(url);
  if (problem !== undefined) return problem;
  if (new URL(url).pathname.replace(/\/+$/, '').endsWith('/e/dtb/bid')) {
    return 'the legacy APS endpoint /e/dtb/bid is not supported: use the OpenRTB endpoint …/e/pb/bid (the default, https://web.ads.aps.amazon-adsystem.com/e/pb/bid)';
  }
  return undefined;
});

const keys = {
  enabled: bool().default(false),
  account_id: accountId().optional(),
  /** The old name of `account_id`. */
  pub_id: accountId().optional(),
  endpoint: endpoint.default('https://web.ads.aps.amazon-adsystem.com/e/pb/bid'),
  timeout_ms: int({ min: 1, max: 60000 }).default(800),
  /** Adds the raw APS exchange to `/auction` metadata, visible to the page: test sites only. */
  debug: bool().default(false),
  allow_script_creatives: bool().default(false),
  /** APS-authorised inventory host, when it is not this deployment's host; set with the next. */
  inventory_domain: str()
    .check((domain) => dnsNameProblem(domain))
    .optional(),
  inventory_page_origin: str()
    .check((origin) => {
      const problem = httpsUrlProblem(origin, true);
      if (problem !== undefined) return problem;
      return new URL(origin).port === '' ? undefined : 'must not carry a port';
    })
    .optional(),
};

/** Folds the old `pub_id` into `account_id`, so consumers read one key. */
function canonical({ pub_id, account_id, ...rest }: InferShape<typeof keys>) {
  return { ...rest, account_id: account_id ?? pub_id ?? '' };
}

export const aps = integration(keys, {
  always: (config, report) => {
    if (config.account_id !== undefined && config.pub_id !== undefined) {
      report.error('pub_id', 'is the old name of account_id: give only account_id');
    }
    const domain = config.inventory_domain;
    const origin = config.inventory_page_origin;
    if ((domain === undefined) !== (origin === undefined)) {
      report.error(
        domain === undefined ? 'inventory_domain' : 'inventory_page_origin',
        'inventory_domain and inventory_page_origin go together: set both or neither',
      );
    } else if (domain !== undefined && origin !== undefined) {
      const host = new URL(origin).hostname;
      const base = domain.toLowerCase();
      if (host !== base && !host.endsWith(`.${base}`)) {
        report.error('inventory_page_origin', `host "${host}" is not within "${domain}"`);
      }
    }
  },
  whenEnabled: (config, report) => {
    if (config.account_id === undefined && config.pub_id === undefined) {
      report.error('account_id', 'missing required string or integer');
    }
  },
  finish: canonical,
});
