/** The shared behavioural suite against the Node adapter over a loopback socket. */
import { sharedSuite } from './shared-suite/scenarios.ts';
import { startNodeTarget } from './shared-suite/targets.ts';

sharedSuite('Node adapter', startNodeTarget);
