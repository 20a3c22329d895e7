/**
 * `node scripts/bench-signing.ts` — median microseconds to sign and to verify one request-signing
 * payload, with each Ed25519 backend (WebCrypto as on Node and Workers, noble as on Fastly), plus
 * the one-off cost of loading a key from its seed.
 *
 *   node scripts/bench-signing.ts [--iterations 2000]
 */
import { parseArgs } from 'node:util';
import { createEd25519Signer, verifyEd25519Signature } from '../src/core/signing/ed25519.ts';
import { nobleEd25519 } from '../src/core/signing/ed25519-noble.ts';
import { webCryptoEd25519 } from '../src/core/signing/ed25519-webcrypto.ts';
import { buildSigningPayload } from '../src/core/signing/signing-payload.ts';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '2000' } } });
const iterations = Number(values.iterations);
const SEED = 'NVnTYrw5xoyTJDOwoUWoPJO3A6UCCXOJJUzgGTxxx7k=';

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function timeEach(count: number, run: (index: number) => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const start = performance.now();
    await run(index);
    samples.push((performance.now() - start) * 1000);
  }
  return median(samples);
}

const payloadOf = (index: number) =>
  buildSigningPayload({
    kid: 'ts-2025-10-A',
    host: 'publisher.com',
    scheme: 'https',
    id: `auction-${index}`,
    ts: 1706900000000 + index,
  });

console.log(`Ed25519, median µs over ${iterations} operations (node ${process.version})`);
for (const backend of [webCryptoEd25519(), nobleEd25519]) {
  const signer = await createEd25519Signer(SEED, backend);
  const payloads = Array.from({ length: iterations }, (_, index) => payloadOf(index));
  const signatures: string[] = [];
  // Warm-up: JIT and, for noble, its precomputed base-point table.
  for (let index = 0; index < 200; index++) await signer.sign(payloadOf(index));
  const load = await timeEach(200, () => createEd25519Signer(SEED, backend));
  const sign = await timeEach(iterations, async (index) => {
    signatures[index] = await signer.sign(payloads[index] as string);
  });
  const verify = await timeEach(iterations, async (index) => {
    const ok = await verifyEd25519Signature(
      signer.publicKey,
      payloads[index] as string,
      signatures[index] as string,
      backend,
    );
    if (!ok) throw new Error(`signature ${index} did not verify`);
  });
  console.log(
    `${backend.name.padEnd(9)} load ${load.toFixed(1)}  sign ${sign.toFixed(1)}  verify ${verify.toFixed(1)}`,
  );
}
