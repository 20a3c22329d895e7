/**
 * The shared behavioural suite against the Cloudflare Worker bundle inside a real workerd
 * process, once per HTML engine option (`cloudflare.html_engine`).
 */
import { sharedSuite } from './shared-suite/scenarios.ts';
import { startWorkerdTarget } from './shared-suite/targets.ts';

/** Declared in src/cloudflare/origin-fetch.ts. */
const limits = {
  passthroughDeadline:
    'Workers: a body passed through untouched streams natively; aborting its fetch after the ' +
    'headers does not reach it (platform limits bound it instead)',
};

sharedSuite(
  'Worker in workerd, builtin HTML engine',
  (origin) => startWorkerdTarget(origin, 'builtin'),
  limits,
);
sharedSuite(
  'Worker in workerd, native HTMLRewriter',
  (origin) => startWorkerdTarget(origin, 'htmlrewriter'),
  limits,
);
