/**
 * `fetchUpstream` of the Workers adapter (core's rules over the runtime's `fetch`) in a real
 * workerd, through the contract every adapter's `fetchUpstream` runs: the third-party stand-ins
 * listen on loopback, the calls run inside the Worker (test/workerd-upstream/upstream-worker.ts).
 */
import { upstreamFetchContract } from './contracts/upstream-fetch-contract.ts';
import { workerdUnavailable } from './helpers/workerd-process.ts';
import { remoteUpstreamFetch } from './workerd-upstream/remote-upstream-fetch.ts';
import { startUpstreamWorker } from './workerd-upstream/start-upstream-worker.ts';

const unavailable = workerdUnavailable();
if (unavailable !== undefined) {
  console.log(`# skipping the Workers fetchUpstream tests: ${unavailable}`);
} else {
  upstreamFetchContract(
    'Workers (workerd)',
    async () => {
      const worker = await startUpstreamWorker();
      return { fetch: remoteUpstreamFetch(worker.url), cleanup: () => worker.close() };
    },
    {
      'certificate-unverified':
        "Workers always verify a host's certificate: verifyCertificate: false has no effect",
    },
  );
}
