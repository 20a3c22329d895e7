/**
 * Which IP addresses belong to the public internet. A server that fetches URLs for others (the
 * first-party creative proxy) must never be steered into the operator's own network: loopback,
 * private and link-local ranges (the cloud metadata service at 169.254.169.254 among them),
 * multicast and the reserved blocks are refused. IPv6 forms that embed an IPv4 address
 * (`::ffff:127.0.0.1`, NAT64, 6to4) are judged by the address they embed.
 */
import { parseAddress, parseAddressRange, rangeContains, type AddressRange } from './ip.ts';

interface NamedRange {
  range: AddressRange;
  kind: string;
}

function ranges(entries: Record<string, readonly string[]>): NamedRange[] {
  const out: NamedRange[] = [];
  for (const [kind, texts] of Object.entries(entries)) {
    for (const text of texts) {
      const range = parseAddressRange(text);
      if (!range) throw new Error(`bad built-in range ${text}`);
      out.push({ range, kind });
    }
  }
  return out;
}

/** IPv4 blocks (matched against the IPv4-mapped form every IPv4 address is parsed to). */
const IPV4_NON_PUBLIC = ranges({
  unspecified: ['0.0.0.0/8'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
  'carrier-grade NAT': ['100.64.0.0/10'],
  loopback: ['127.0.0.0/8'],
  'link-local': ['169.254.0.0/16'],
  // Protocol assignments, documentation and benchmarking blocks: never a creative host.
  reserved: [
    '192.0.0.0/24',
    '192.0.2.0/24',
    // 6to4 relay anycast (RFC 7526 deprecated it): a relay, never a creative host.
    '192.88.99.0/24',
    '198.18.0.0/15',
    '198.51.100.0/24',
    '203.0.113.0/24',
    '240.0.0.0/4',
  ],
  multicast: ['224.0.0.0/4'],
});

const IPV6_NON_PUBLIC = ranges({
  unspecified: ['::/128'],
  loopback: ['::1/128'],
  'unique local': ['fc00::/7'],
  'link-local': ['fe80::/10', 'fec0::/10'],
  multicast: ['ff00::/8'],
  reserved: ['100::/64', '2001:db8::/32', '2001::/23'],
});

/** Prefixes whose low or middle bits carry an IPv4 address that decides the verdict. */
const MAPPED = parseAddressRange('::ffff:0:0/96');
const COMPATIBLE = parseAddressRange('::/96');
const NAT64 = parseAddressRange('64:ff9b::/96');
/** Local-use NAT64 (RFC 8215): judged, like the well-known prefix, by its last 32 bits. */
const NAT64_LOCAL = parseAddressRange('64:ff9b:1::/48');
const SIX_TO_FOUR = parseAddressRange('2002::/16');

/**
 * Why `address` (16 bytes, as `ip.ts` parses) is not a public internet address, or undefined
 * when it is one.
 */
export function nonPublicKind(address: Uint8Array): string | undefined {
  // IPv6 first, so `::1` reads as loopback rather than as the IPv4-compatible `0.0.0.1`.
  for (const { range, kind } of IPV6_NON_PUBLIC) if (rangeContains(range, address)) return kind;
  const embedded = embeddedIPv4(address);
  if (embedded === undefined) return undefined;
  for (const { range, kind } of IPV4_NON_PUBLIC) if (rangeContains(range, embedded)) return kind;
  if (embedded.subarray(12).every((byte) => byte === 255)) return 'broadcast';
  return undefined;
}

/**
 * The same for an address written as text (`127.0.0.1`, `::1`, `[::1]`); text that is no IP
 * address at all answers `'not an IP address'`, so a caller cannot mistake garbage for public.
 */
export function nonPublicAddressText(text: string): string | undefined {
  const address = parseAddress(text);
  return address === undefined ? 'not an IP address' : nonPublicKind(address);
}

/**
 * Whether a URL's hostname (as `URL.hostname` gives it) is an IP literal, the one kind of host
 * every platform can judge before connecting. WHATWG parsing has already turned `2130706433`,
 * `0x7f.1` and `0177.0.0.1` into `127.0.0.1`.
 */
export function isIpLiteralHost(hostname: string): boolean {
  return parseAddress(hostname) !== undefined;
}

/**
 * Why a URL's hostname is a non-public IP literal, or undefined for a public one or a name (which
 * only the platform's resolver can judge). The address is parsed once.
 */
export function nonPublicHost(hostname: string): string | undefined {
  const address = parseAddress(hostname);
  return address === undefined ? undefined : nonPublicKind(address);
}

/** The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 address, as mapped. */
function embeddedIPv4(address: Uint8Array): Uint8Array | undefined {
  if (MAPPED && rangeContains(MAPPED, address)) return address;
  if (
    (COMPATIBLE && rangeContains(COMPATIBLE, address)) ||
    (NAT64 && rangeContains(NAT64, address)) ||
    (NAT64_LOCAL && rangeContains(NAT64_LOCAL, address))
  ) {
    return mapped(address.subarray(12, 16));
  }
  if (SIX_TO_FOUR && rangeContains(SIX_TO_FOUR, address)) return mapped(address.subarray(2, 6));
  return undefined;
}

function mapped(v4: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4, 12);
  return out;
}
