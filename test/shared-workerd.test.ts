/**
 * The shared behavioural suite against the Cloudflare Worker bundle inside a real workerd
 * process, once per HTML engine option (`cloudflare.html_engine`).
 */
import { sharedSuite } from './shared-suite/scenarios.ts';
import { startWorkerdTarget } from './shared-suite/targets.ts';

sharedSuite('Worker in workerd, builtin HTML engine', (origin) =>
  startWorkerdTarget(origin, 'builtin'),
);
sharedSuite('Worker in workerd, native HTMLRewriter', (origin) =>
  startWorkerdTarget(origin, 'htmlrewriter'),
);
