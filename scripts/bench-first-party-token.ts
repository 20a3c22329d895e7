/**
 * `node scripts/bench-first-party-token.ts` — sign and verify throughput of first-party URLs.
 *
 * Signs a typical creative asset URL (`signUrl`, one token: two SHA-256 digests through WebCrypto
 * and one XChaCha20-Poly1305 seal) and verifies the result (`verifySignedUrl`: parse, rebuild,
 * token, constant-time compare), one at a time and with 64 in flight (how a creative rewrite or a
 * busy proxy drives them). Prints ops/s, the median of the rounds.
 *
 *   node scripts/bench-first-party-token.ts [--rounds 7] [--ms-per-round 300]
 */
import { parseArgs } from 'node:util';
import { signUrl } from '../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../src/core/first-party/token.ts';
import { verifySignedUrl } from '../src/core/first-party/verify-signed-url.ts';
import { Secret } from '../src/core/settings/secret.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    'ms-per-round': { type: 'string', default: '300' },
  },
});
const rounds = Number(values.rounds);
const msPerRound = Number(values['ms-per-round']);

const signer = createProxyTokenSigner(new Secret('bench-proxy-secret-0123456789abcdef'));
const clear =
  'https://cdn.adserver.example/creatives/2026/01/banner_300x250.jpg?cb=83746291&w=300&h=250';
const signed = await signUrl(signer, clear);
const now = Date.now();

async function opsPerSecond(op: () => Promise<unknown>, inFlight: number): Promise<number> {
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let done = 0;
    const start = performance.now();
    while (performance.now() - start < msPerRound) {
      await Promise.all(Array.from({ length: inFlight }, op));
      done += inFlight;
    }
    results.push(done / ((performance.now() - start) / 1000));
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)] as number;
}

const sign = () => signUrl(signer, clear);
const verify = async () => {
  const check = await verifySignedUrl(signer, signed, { now });
  if (!check.ok) throw new Error(`benchmark URL did not verify: ${check.reason}`);
};

await opsPerSecond(sign, 64); // warm-up
for (const [name, op] of [
  ['sign', sign],
  ['verify', verify],
] as const) {
  for (const inFlight of [1, 64]) {
    const ops = await opsPerSecond(op, inFlight);
    console.log(
      `${name.padEnd(6)} in flight ${String(inFlight).padStart(2)}: ${Math.round(ops).toLocaleString('en')} ops/s`,
    );
  }
}
