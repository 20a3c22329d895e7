/**
 * The Node transport behind `fetchUpstream` (core's src/core/upstream/upstream-fetch.ts applies the
 * deadline, the size cap and the header rules): undici's fetch on agents of its own, so third
 * parties never share the origin's connection pool, timeouts or `origin_address`.
 *
 * Requests asked for `publicAddressesOnly` go through agents of their own whose connector looks
 * names up itself and refuses any answer with a non-public address, then checks the address the
 * socket actually reached: the check is the connection, so a DNS answer that changes between a
 * check and the connect (rebinding) cannot reach the operator's network. Their sockets are never
 * shared with the unchecked agents.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { TsError } from '../core/errors.ts';
import { nonPublicAddressText } from '../core/http/address-class.ts';
import { describeDecodedBody } from '../core/upstream/decoded-body.ts';
import { withUpstreamPolicy, type UpstreamFetch } from '../core/upstream/upstream-fetch.ts';

export interface UpstreamFetcher {
  fetch: UpstreamFetch;
  /**
   * Closes the pools, letting requests in flight finish until `deadline` (epoch ms; default:
   * however long they take), then destroying what is left.
   */
  close(deadline?: number): Promise<void>;
}

const UNDICI_CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'zstd']);

/**
 * undici's fetch decodes up to five stacked codings when it knows every one of them; with one it
 * does not know, it decodes none and the body comes as sent.
 */
const decodedByUndici = (codings: readonly string[]) =>
  codings.length <= 5 && codings.every((coding) => UNDICI_CODINGS.has(coding));

/** Marks a refused address on its way through undici's error wrapping. */
class NonPublicAddressError extends Error {
  readonly host: string;
  readonly kind: string;
  constructor(host: string, address: string, kind: string) {
    super(`${host} resolves to a ${kind} address (${address})`);
    this.host = host;
    this.kind = kind;
  }
}

/** `dns.lookup`, refusing the whole name when any address it answers is not public. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    for (const { address } of addresses) {
      const kind = nonPublicAddressText(address);
      if (kind !== undefined) {
        return callback(new NonPublicAddressError(hostname, address, kind), '', 0);
      }
    }
    const first = addresses[0];
    if (first === undefined) return callback(new Error(`no address for ${hostname}`), '', 0);
    // Node's own connect asks for every address (happy eyeballs) or for one.
    if (options.all)
      (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    else callback(null, first.address, first.family);
  });
};

function publicOnlyAgent(rejectUnauthorized: boolean): Agent {
  const connect = buildConnector({ rejectUnauthorized, lookup: publicOnlyLookup });
  return new Agent({
    keepAliveTimeout: 4000,
    connect: (options, callback) =>
      connect(options, (error, socket) => {
        if (error !== null) return callback(error, null);
        // An IP-literal host never reaches the lookup: the address reached is checked here too.
        const address = socket.remoteAddress ?? '';
        const kind = nonPublicAddressText(address);
        if (kind !== undefined) {
          socket.destroy();
          return callback(new NonPublicAddressError(options.hostname, address, kind), null);
        }
        callback(null, socket);
      }),
  });
}

function refusedAddress(error: unknown): NonPublicAddressError | undefined {
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 5; depth++) {
    if (at instanceof NonPublicAddressError) return at;
    at = at.cause;
  }
  return undefined;
}

export function createUpstreamFetch(): UpstreamFetcher {
  const agents = {
    verified: new Agent({ keepAliveTimeout: 4000, connect: { rejectUnauthorized: true } }),
    unverified: new Agent({ keepAliveTimeout: 4000, connect: { rejectUnauthorized: false } }),
    publicVerified: publicOnlyAgent(true),
    publicUnverified: publicOnlyAgent(false),
  };
  const dispatcherFor = (options: {
    verifyCertificate: boolean;
    publicAddressesOnly?: boolean;
  }) => {
    if (options.publicAddressesOnly === true) {
      return options.verifyCertificate ? agents.publicVerified : agents.publicUnverified;
    }
    return options.verifyCertificate ? agents.verified : agents.unverified;
  };
  const fetch = withUpstreamPolicy(async (request, options) => {
    let response: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      response = await undiciFetch(request.url, {
        method: request.method,
        headers: [...request.headers],
        body: request.body,
        redirect: 'manual',
        signal: options.signal,
        dispatcher: dispatcherFor(options),
        ...(request.body === null ? {} : { duplex: 'half' as const }),
      });
    } catch (error) {
      const refused = refusedAddress(error);
      if (refused === undefined) throw error;
      throw new TsError('forbidden', refused.message, {
        publicMessage: `host ${refused.host} resolves to a ${refused.kind} address`,
        cause: error,
      });
    }
    return describeDecodedBody(
      new Response(response.body as ReadableStream<Uint8Array> | null, {
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
      }),
      decodedByUndici,
    );
  });
  return {
    fetch,
    close: async (deadline = Number.POSITIVE_INFINITY) => {
      const all = Object.values(agents);
      const closing = Promise.all(all.map((agent) => agent.close()));
      const left = deadline - Date.now();
      if (left === Number.POSITIVE_INFINITY) {
        await closing;
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        closing.then(() => false),
        new Promise<boolean>(
          (resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, left))),
        ),
      ]);
      clearTimeout(timer);
      // A third party still answering an abandoned request must not hold the shutdown.
      if (late) await Promise.all(all.map((agent) => agent.destroy()));
    },
  };
}
