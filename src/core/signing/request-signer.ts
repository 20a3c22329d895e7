/**
 * Signs outgoing requests (the auction's bid requests) with the keystore's current key: the
 * payload of signing-payload.ts, under the kid that is current at the time of the call.
 */
import { TsError } from '../errors.ts';
import { createEd25519Signer, type Ed25519Signer } from './ed25519.ts';
import type { Ed25519Backend } from './ed25519-backend.ts';
import type { KeyStore } from './keystore.ts';
import { buildSigningPayload, type SigningPayloadFields } from './signing-payload.ts';

export interface RequestSignature {
  readonly kid: string;
  /** base64url without padding. */
  readonly signature: string;
  /** The exact payload signed, for the request's `ext.trusted_server`. */
  readonly payload: string;
}

export interface RequestSigner {
  sign(fields: Omit<SigningPayloadFields, 'kid'>): Promise<RequestSignature>;
}

export function createRequestSigner(keystore: KeyStore, backend?: Ed25519Backend): RequestSigner {
  // The loaded key of the last kid used: importing a key costs more than the signature. Keyed by
  // the seed text too, so a kid deleted and imported again with another seed is loaded afresh.
  let loaded: { kid: string; seed: string; signer: Promise<Ed25519Signer> } | undefined;

  const signerFor = async (kid: string): Promise<Ed25519Signer> => {
    const seed = await keystore.seed(kid);
    if (seed === undefined) {
      throw new TsError('configuration', `signing key '${kid}' is current but has no seed stored`);
    }
    const text = seed.reveal();
    if (loaded?.kid !== kid || loaded.seed !== text) {
      loaded = { kid, seed: text, signer: createEd25519Signer(text, backend) };
    }
    return loaded.signer;
  };

  return {
    async sign(fields) {
      const kid = await keystore.currentKid();
      if (kid === undefined) {
        throw new TsError(
          'configuration',
          'no current signing key: run `trusted-server keys generate --config FILE`',
        );
      }
      const payload = buildSigningPayload({ ...fields, kid });
      const signature = await (await signerFor(kid)).sign(payload);
      return { kid, signature, payload };
    },
  };
}
