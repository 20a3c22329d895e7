/**
 * The Edge Cookie ID: `hex(HMAC-SHA256(passphrase, normalised client IP))` + `.` + 6 random
 * alphanumerics (upstream `ec/generation.rs`). The hash part is the same for everyone behind one
 * address, so it groups a household or an office (the identity graph's cluster size); the suffix
 * tells the browsers behind it apart. The IP is the only input: nothing from the user agent.
 *
 * WebCrypto only, so the same code runs on Node, Workers and Fastly.
 */
import { TsError } from '../errors.ts';

/** `^[0-9a-f]{64}\.[A-Za-z0-9]{6}$`: lowercase hex only, so one ID has one KV key. */
const EC_ID = /^[0-9a-f]{64}\.[A-Za-z0-9]{6}$/;
const EC_HASH = /^[0-9a-fA-F]{64}$/;
const SUFFIX_LENGTH = 6;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** The largest multiple of 62 below 256: bytes at or above it are dropped, so no letter is likelier. */
const UNBIASED_BELOW = 256 - (256 % ALPHABET.length);

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** What {@link normalizeIp} returns for IPv6, accepted back unchanged so it is idempotent. */
const NORMALISED_IPV6 = /^[0-9a-f]{16}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

export function isValidEcId(value: string): boolean {
  return EC_ID.test(value);
}

/** The 64-hex hash part on its own, either case (batch sync lowercases before it looks up). */
export function isValidEcHash(value: string): boolean {
  return EC_HASH.test(value);
}

/** The text before the first `.`: the part every browser behind one address shares. */
export function ecHash(id: string): string {
  const dot = id.indexOf('.');
  return dot === -1 ? id : id.slice(0, dot);
}

/** Lowercases the hash part, so an ID a partner sent in upper case finds its KV key. */
export function normalizeEcIdForKv(id: string): string {
  const dot = id.indexOf('.');
  return dot === -1 ? id.toLowerCase() : id.slice(0, dot).toLowerCase() + id.slice(dot);
}

/** The form of an ID that may appear in logs: enough to correlate lines, not to be replayed. */
export function ecLogId(id: string): string {
  return `${id.slice(0, 8)}…`;
}

/**
 * The HMAC input for a client address (a stable contract: changing it changes every stored ID).
 *
 * - IPv4: dotted decimal, unchanged.
 * - IPv6: the /64 prefix, as its 4 groups in `%04x` with no separators: privacy extensions rotate
 *   the lower 64 bits, and the ID must survive that.
 * - IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a dual-stack Node socket reports for an IPv4
 *   client): the IPv4 address. Upstream never sees this form on Fastly; taking its /64 would put
 *   every IPv4 client into one hash (`0000000000000000`).
 * - An already normalised IPv6 prefix (16 lowercase hex): unchanged.
 *
 * Throws `bad_request` for anything else; the message never repeats the address.
 */
export function normalizeIp(ip: string): string {
  if (IPV4.test(ip) || NORMALISED_IPV6.test(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (groups === undefined) throw new TsError('bad_request', 'client address is not an IP address');
  const mapped =
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff;
  if (mapped) {
    const high = groups[6] as number;
    const low = groups[7] as number;
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return groups
    .slice(0, 4)
    .map((group) => group.toString(16).padStart(4, '0'))
    .join('');
}

/** The 8 groups of an IPv6 address (`::` expanded, a zone index and an IPv4 tail allowed). */
function ipv6Groups(text: string): number[] | undefined {
  const zone = text.indexOf('%');
  const address = zone === -1 ? text : text.slice(0, zone);
  if (!address.includes(':') || address.length > 45) return undefined;
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string, last: boolean): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (const [index, piece] of pieces.entries()) {
      if (last && index === pieces.length - 1 && piece.includes('.')) {
        if (!IPV4.test(piece)) return undefined;
        const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
        groups.push((a << 8) | b, (c << 8) | d);
      } else if (HEX_GROUP.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = parse(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? parse(halves[1] as string, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  // `::` stands for at least one group of zeros.
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

export interface EcMinter {
  /** A fresh ID for a client: the address's hash plus a new random suffix. */
  mint(clientIp: string): Promise<string>;
  /** The 64-hex hash part for a client address. */
  hash(clientIp: string): Promise<string>;
}

const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Imports the HMAC key once (on first use) and mints with it from then on. */
export function createEcMinter(passphrase: string): EcMinter {
  let key: ReturnType<typeof crypto.subtle.importKey> | undefined;
  const hash = async (clientIp: string): Promise<string> => {
    const message = encoder.encode(normalizeIp(clientIp));
    key ??= crypto.subtle.importKey(
      'raw',
      encoder.encode(passphrase),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await key, message));
    let hex = '';
    for (const byte of mac) hex += HEX[byte] as string;
    return hex;
  };
  return {
    hash,
    mint: async (clientIp) => `${await hash(clientIp)}.${randomSuffix()}`,
  };
}

/** 6 characters, each uniform over [A-Za-z0-9]: biased bytes are drawn again, never folded. */
function randomSuffix(): string {
  let suffix = '';
  const bytes = new Uint8Array(16);
  while (suffix.length < SUFFIX_LENGTH) {
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte >= UNBIASED_BELOW) continue;
      suffix += ALPHABET[byte % ALPHABET.length] as string;
      if (suffix.length === SUFFIX_LENGTH) break;
    }
  }
  return suffix;
}
