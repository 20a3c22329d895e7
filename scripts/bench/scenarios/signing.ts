/**
 * `--signing`: the two trust primitives' throughput, each against a peer measured in the same run.
 *
 * - Ed25519 request signing (the auction's `ext.trusted_server` signature) and verification of
 *   one payload, with both of our backends — WebCrypto (Node, Workers) and noble (Fastly, which
 *   has no Ed25519 in its SubtleCrypto) — against `node:crypto`'s one-shot `sign`/`verify`, the
 *   fastest Node has. Ratio: ours ÷ node:crypto ops/s.
 * - First-party URL tokens: signing a creative URL (`signUrl`: two SHA-256 digests and one
 *   XChaCha20-Poly1305 seal, byte-identical with upstream's) and verifying a signed URL
 *   (`verifySignedUrl`: parse, rebuild, token, constant-time compare), against an HMAC-SHA256 of
 *   the same text through WebCrypto — the simpler token a project without upstream parity would
 *   use (decision D8). Ratio: ours ÷ HMAC ops/s: what parity costs.
 *
 * One operation at a time (a request signs once) and 64 in flight (a creative rewrite signs its
 * URLs together), in rounds of `--duration`/8 s, alternating ours and the peer; the median of the
 * rounds.
 */
import {
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { signUrl } from '../../../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../../../src/core/first-party/token.ts';
import { verifySignedUrl } from '../../../src/core/first-party/verify-signed-url.ts';
import { Secret } from '../../../src/core/settings/secret.ts';
import {
  decodeSigningSeed,
  createEd25519Signer,
  verifyEd25519Signature,
} from '../../../src/core/signing/ed25519.ts';
import { nobleEd25519 } from '../../../src/core/signing/ed25519-noble.ts';
import { webCryptoEd25519 } from '../../../src/core/signing/ed25519-webcrypto.ts';
import { buildSigningPayload } from '../../../src/core/signing/signing-payload.ts';
import type { BenchBase } from '../context.ts';
import { median } from '../results.ts';
import { renderTable } from '../table.ts';

/** Upstream's fixture key (spec §H.4): what the tests use, so nothing here is a real secret. */
const SEED = 'NVnTYrw5xoyTJDOwoUWoPJO3A6UCCXOJJUzgGTxxx7k=';
const ROUNDS = 5;
const IN_FLIGHT = 64;
/** PKCS#8 prefix of an Ed25519 private key: `node:crypto` takes the seed only in this wrapping. */
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

type Op = () => unknown;

/** Operations per second of `op`, `inFlight` at a time, for `ms`. */
async function opsPerSecond(op: Op, inFlight: number, ms: number): Promise<number> {
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (inFlight === 1) await op();
    else await Promise.all(Array.from({ length: inFlight }, op));
    done += inFlight;
  }
  return done / ((performance.now() - started) / 1000);
}

interface Pair {
  name: string;
  ours: Op;
  peer: Op;
  peerName: string;
}

export async function signing(ctx: BenchBase): Promise<void> {
  const ms = ((Math.min(ctx.options.duration, 80) / 8) * 1000) / ROUNDS;
  const payload = buildSigningPayload({
    kid: 'ts-2025-10-A',
    host: 'publisher.example',
    scheme: 'https',
    id: 'auction-7f3c2a',
    ts: 1706900000000,
  });
  const seed = decodeSigningSeed(SEED);
  const nodePrivate = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const nodePublic = createPublicKey(nodePrivate);
  const data = Buffer.from(payload);
  const nodeSignature = nodeSign(null, data, nodePrivate);

  const pairs: Pair[] = [];
  for (const backend of [webCryptoEd25519(), nobleEd25519]) {
    const signer = await createEd25519Signer(SEED, backend);
    const signature = await signer.sign(payload);
    if (!nodeVerify(null, data, nodePublic, Buffer.from(signature, 'base64url'))) {
      throw new Error(`the ${backend.name} signature does not verify with node:crypto`);
    }
    pairs.push(
      {
        name: `ed25519 sign (${backend.name})`,
        ours: () => signer.sign(payload),
        peer: () => nodeSign(null, data, nodePrivate),
        peerName: 'node:crypto',
      },
      {
        name: `ed25519 verify (${backend.name})`,
        ours: () => verifyEd25519Signature(signer.publicKey, payload, signature, backend),
        peer: () => nodeVerify(null, data, nodePublic, nodeSignature),
        peerName: 'node:crypto',
      },
    );
  }

  const secret = 'bench-proxy-secret-0123456789abcdef';
  const tokens = createProxyTokenSigner(new Secret(secret));
  const clear =
    'https://cdn.adserver.example/creatives/2026/01/banner_300x250.jpg?cb=83746291&w=300&h=250';
  const signed = await signUrl(tokens, clear);
  const now = Date.now();
  const check = await verifySignedUrl(tokens, signed, { now });
  if (!check.ok) throw new Error(`a freshly signed URL does not verify: ${check.message}`);
  const hmacKey = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const hmac = () => crypto.subtle.sign('HMAC', hmacKey, new TextEncoder().encode(clear));
  pairs.push(
    {
      name: 'first-party URL sign',
      ours: () => signUrl(tokens, clear),
      peer: hmac,
      peerName: 'HMAC-SHA256',
    },
    {
      name: 'first-party URL verify',
      ours: () => verifySignedUrl(tokens, signed, { now }),
      peer: hmac,
      peerName: 'HMAC-SHA256',
    },
  );

  const rows: string[][] = [];
  for (const pair of pairs) {
    for (const inFlight of [1, IN_FLIGHT]) {
      const ours: number[] = [];
      const peer: number[] = [];
      const ratios: number[] = [];
      await opsPerSecond(pair.ours, inFlight, 50); // warm-up: JIT, noble's base-point table
      await opsPerSecond(pair.peer, inFlight, 50);
      for (let round = 0; round < ROUNDS; round++) {
        const a = await opsPerSecond(pair.ours, inFlight, ms);
        const b = await opsPerSecond(pair.peer, inFlight, ms);
        ours.push(a);
        peer.push(b);
        ratios.push(a / b);
      }
      const label = `${pair.name}, ${inFlight} in flight`;
      const key = `signing.${pair.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.x${inFlight}`;
      ctx.results.add({
        key: `${key}.ours`,
        label: `${label}  ops/s`,
        value: median(ours),
        unit: 'ops/s',
        better: 'higher',
      });
      ctx.results.add({
        key: `${key}.ratio`,
        label: `${label}  ours / ${pair.peerName}`,
        value: median(ratios),
        unit: '×',
        better: 'higher',
      });
      rows.push([
        label,
        median(ours).toFixed(0),
        `${median(peer).toFixed(0)} (${pair.peerName})`,
        median(ratios).toFixed(2),
      ]);
      ctx.progress(
        `  ${label}: ours ${median(ours).toFixed(0)} ops/s, ${pair.peerName} ${median(peer).toFixed(0)} ops/s`,
      );
    }
  }
  ctx.progress(
    `\n${renderTable(['operation', 'ours ops/s', 'peer ops/s', 'ours / peer'], rows)}\n`,
  );
}
