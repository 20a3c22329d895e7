/**
 * `node scripts/bench-keystore.ts` — what the keystore adds on top of bare Ed25519
 * (scripts/bench-signing.ts): ops/s of the request signer reading its key through the cached
 * ring on a real SQLite store, of the discovery and verify-signature handlers in process, and the
 * cost of a cache miss (one SQLite read and parse of the ring).
 *
 *   node scripts/bench-keystore.ts [--iterations 5000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/core/log.ts';
import { Secret } from '../src/core/settings/secret.ts';
import { createDiscoveryHandler } from '../src/core/signing/discovery-endpoint.ts';
import { createKvKeyStore } from '../src/core/signing/kv-keystore.ts';
import { createRequestSigner } from '../src/core/signing/request-signer.ts';
import { createVerifyHandler } from '../src/core/signing/verify-endpoint.ts';
import { openSqliteKv } from '../src/node/stores/sqlite-kv.ts';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '5000' } } });
const iterations = Number(values.iterations);
const SEED = 'NVnTYrw5xoyTJDOwoUWoPJO3A6UCCXOJJUzgGTxxx7k=';
const log = createLogger({ level: 'error', sink: () => {} });

async function opsPerSecond(
  count: number,
  run: (index: number) => Promise<unknown>,
): Promise<number> {
  for (let index = 0; index < Math.min(200, count); index++) await run(index);
  const start = performance.now();
  for (let index = 0; index < count; index++) await run(index);
  return count / ((performance.now() - start) / 1000);
}

const dir = mkdtempSync(join(tmpdir(), 'ts-bench-keystore-'));
const kv = openSqliteKv({ path: join(dir, 'keys.db'), busyTimeoutMs: 1000 });
try {
  const keystore = createKvKeyStore(kv, { overlapMs: 7 * 86400_000 });
  await keystore.importKey('ts-2025-10-A', new Secret(SEED));
  for (let index = 0; index < 4; index++) await keystore.rotate(`bench-${index}`);
  const signer = createRequestSigner(keystore);
  const fields = (index: number) => ({
    host: 'publisher.com',
    scheme: 'https',
    id: `a-${index}`,
    ts: 1706900000000 + index,
  });
  const signed = await signer.sign(fields(0));
  const sign = await opsPerSecond(iterations, (index) => signer.sign(fields(index)));

  const uncached = createKvKeyStore(kv, { overlapMs: 7 * 86400_000, cacheMs: 0 });
  const miss = await opsPerSecond(iterations, () => uncached.currentKid());

  const discovery = createDiscoveryHandler(keystore, { maxAgeSeconds: 3600, log });
  const discover = await opsPerSecond(iterations, async () => {
    await (await discovery(new Request('http://x/.well-known/trusted-server.json'))).text();
  });

  const verify = createVerifyHandler(keystore, { maxAgeSeconds: undefined, now: Date.now, log });
  const body = JSON.stringify({
    payload: signed.payload,
    signature: signed.signature,
    kid: signed.kid,
  });
  const verified = await opsPerSecond(iterations, async () => {
    const response = await verify(
      new Request('http://x/verify-signature', { method: 'POST', body }),
    );
    await response.text();
  });

  console.log(
    `keystore on SQLite, ${iterations} operations each (node ${process.version}), 5 keys in the ring`,
  );
  console.log(`request signer (cached ring)  ${Math.round(sign)} ops/s`);
  console.log(`ring read, cache miss         ${Math.round(miss)} ops/s`);
  console.log(`discovery handler             ${Math.round(discover)} ops/s`);
  console.log(`verify-signature handler      ${Math.round(verified)} ops/s`);
} finally {
  await kv.close();
  rmSync(dir, { recursive: true, force: true });
}
