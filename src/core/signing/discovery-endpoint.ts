/**
 * `GET /.well-known/trusted-server.json`: the active keys' JWKs, for partners verifying our
 * signatures. Cacheable for less than the rotation overlap (request-signing settings), with an
 * ETag so a verifier polling it costs one small 304.
 */
import { TsError } from '../errors.ts';
import { ifNoneMatchHits } from '../http/entity-tags.ts';
import { sha256Hex } from '../bytes/sha256-hex.ts';
import type { Logger } from '../log.ts';
import { discoveryDocument } from './jwk.ts';
import type { KeyStore } from './keystore.ts';

export const DISCOVERY_PATH = '/.well-known/trusted-server.json';

export interface DiscoveryOptions {
  maxAgeSeconds: number;
  log: Logger;
}

export function createDiscoveryHandler(
  keystore: KeyStore,
  options: DiscoveryOptions,
): (request: Request) => Promise<Response> {
  const cacheControl = `public, max-age=${options.maxAgeSeconds}`;
  // The document changes only when the ring does: its tag is hashed once per version of it.
  let last = { body: '', etag: '' };
  const etagOf = async (body: string): Promise<string> => {
    if (body !== last.body) last = { body, etag: `"${(await sha256Hex(body)).slice(0, 24)}"` };
    return last.etag;
  };
  return async (request) => {
    const jwks: string[] = [];
    for (const kid of await keystore.activeKids()) {
      const jwk = await keystore.jwk(kid);
      // Published but not stored: a hand-edited store. Leave it out rather than fail every verifier.
      if (jwk === undefined) options.log.warn('signing: active kid has no stored JWK', { kid });
      else jwks.push(jwk);
    }
    if (jwks.length === 0) {
      // Upstream answers 500 here too; the log line says what to do.
      throw new TsError(
        'configuration',
        'no active signing keys to publish: run `trusted-server keys generate --config FILE` ' +
          '(Fastly: write them through its API, README "Key management")',
      );
    }
    const body = discoveryDocument(jwks);
    const etag = await etagOf(body);
    const headers = { 'cache-control': cacheControl, etag, 'x-content-type-options': 'nosniff' };
    if (ifNoneMatchHits(request.headers.get('if-none-match'), etag)) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(body, {
      status: 200,
      headers: { ...headers, 'content-type': 'application/json' },
    });
  };
}
