/**
 * IP address parsing and CIDR matching, written against plain strings so core stays free of
 * platform modules. Addresses become 16-byte arrays (IPv4 as IPv4-mapped IPv6), so one
 * comparison routine serves both families and `::ffff:10.0.0.1` matches `10.0.0.0/8`.
 */

export interface AddressRange {
  bytes: Uint8Array;
  prefix: number;
}

export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? '';
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    out[12 + i] = value;
  }
  return out;
}

export function parseIPv6(text: string): Uint8Array | undefined {
  let address = text;
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  if (!address.includes(':')) return undefined;
  let tail: Uint8Array | undefined;
  const lastColon = address.lastIndexOf(':');
  const lastPart = address.slice(lastColon + 1);
  if (lastPart.includes('.')) {
    tail = parseIPv4(lastPart);
    if (!tail) return undefined;
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : [];
  const groups = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (halves.length === 1 && head.length !== 8) return undefined;
  if (groups < 0 || (halves.length === 2 && groups < 1)) return undefined;
  const all = [...head, ...Array<string>(groups).fill('0'), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const group = all[i] ?? '';
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    const value = parseInt(group, 16);
    out[i * 2] = value >> 8;
    out[i * 2 + 1] = value & 0xff;
  }
  if (tail) out.set(tail.subarray(12), 12);
  return out;
}

export function parseAddress(text: string): Uint8Array | undefined {
  return parseIPv4(text) ?? parseIPv6(text);
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address (a full-length prefix). */
export function parseAddressRange(text: string): AddressRange | undefined {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const bytes = parseAddress(addressText.trim());
  if (!bytes) return undefined;
  const isV4 = parseIPv4(addressText.trim()) !== undefined;
  if (slash === -1) return { bytes, prefix: 128 };
  const prefixText = text.slice(slash + 1).trim();
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > (isV4 ? 32 : 128)) return undefined;
  return { bytes, prefix: isV4 ? prefix + 96 : prefix };
}

export function rangeContains(range: AddressRange, address: Uint8Array): boolean {
  let bits = range.prefix;
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((range.bytes[i] ?? 0) & mask) !== ((address[i] ?? 0) & mask)) return false;
  }
  return true;
}
