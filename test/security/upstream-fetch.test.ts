/**
 * `fetchUpstream` on Node (core's rules in src/core/upstream/upstream-fetch.ts over the undici
 * transport), run through the contract every adapter's `fetchUpstream` runs.
 */
import { createUpstreamFetch } from '../../src/node/upstream-fetch.ts';
import { upstreamFetchContract } from '../contracts/upstream-fetch-contract.ts';

upstreamFetchContract('Node (undici)', () => {
  const upstream = createUpstreamFetch();
  return Promise.resolve({ fetch: upstream.fetch, cleanup: () => upstream.close() });
});
