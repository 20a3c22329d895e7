/**
 * A small MaxMind DB writer for tests, written from the published format spec (v2.0): an IPv6
 * binary search tree (IPv4 networks at `::a.b.c.d`, with `::ffff:0:0/96` aliased to them as
 * MaxMind's own databases do), the 16-byte separator, a data section, and the metadata map after
 * the `\xAB\xCD\xEFMaxMind.com` marker. Enough for a handful of networks with GeoIP2-shaped
 * records; no pointers, no record sharing, 24-bit records only.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** A number with an explicit MaxMind type; plain numbers are uint32 (integers) or double. */
export class Typed {
  readonly type: 'uint16' | 'uint32' | 'uint64' | 'int32' | 'double';
  readonly value: number;
  constructor(type: Typed['type'], value: number) {
    this.type = type;
    this.value = value;
  }
}

export type MmdbValue =
  string | number | boolean | Typed | readonly MmdbValue[] | { readonly [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** `81.2.69.0/24`, `2001:db8::/32`. Networks must not overlap. */
  network: string;
  record: MmdbValue;
}

export interface MmdbOptions {
  databaseType: string;
  /** Seconds since the epoch; fixed by default so files are reproducible. */
  buildEpoch?: number;
}

const TYPE = {
  pointer: 1,
  string: 2,
  double: 3,
  bytes: 4,
  uint16: 5,
  uint32: 6,
  map: 7,
  int32: 8,
  uint64: 9,
  array: 11,
  boolean: 14,
} as const;

const METADATA_MARKER = Buffer.concat([
  Buffer.from([0xab, 0xcd, 0xef]),
  Buffer.from('MaxMind.com'),
]);
const RECORD_BITS = 24;
const NODE_BYTES = (RECORD_BITS * 2) / 8;

interface TreeNode {
  /** Left (bit 0) and right (bit 1): a node, a data index, an alias to a node, or nothing. */
  records: [Slot, Slot];
}

type Slot = TreeNode | { data: number } | { alias: TreeNode } | null;

export function buildMmdb(networks: readonly MmdbNetwork[], options: MmdbOptions): Buffer {
  const root: TreeNode = { records: [null, null] };
  const records: Buffer[] = [];
  for (const { network, record } of networks) {
    const [bits, prefix] = networkBits(network);
    insert(root, bits, prefix, { data: records.length });
    records.push(encode(record));
  }
  // MaxMind's alias: ::ffff:0:0/96 leads to the node that holds the IPv4 space (::/96).
  const ipv4Root = nodeAt(root, new Array<number>(96).fill(0));
  if (ipv4Root) {
    const mappedBits = [...new Array<number>(80).fill(0), ...new Array<number>(16).fill(1)];
    insert(root, mappedBits, 96, { alias: ipv4Root });
  }

  const nodes = numberNodes(root);
  const nodeCount = nodes.length;
  const dataOffsets: number[] = [];
  let offset = 0;
  for (const record of records) {
    dataOffsets.push(offset);
    offset += record.length;
  }
  const indexOf = new Map(nodes.map((node, index) => [node, index]));
  const recordValue = (slot: Slot): number => {
    if (slot === null) return nodeCount;
    if ('records' in slot) return indexOf.get(slot) ?? fail('unnumbered node');
    if ('alias' in slot) return indexOf.get(slot.alias) ?? fail('unnumbered alias');
    return nodeCount + 16 + (dataOffsets[slot.data] ?? fail('no data offset'));
  };
  const tree = Buffer.alloc(nodeCount * NODE_BYTES);
  nodes.forEach((node, index) => {
    tree.writeUIntBE(recordValue(node.records[0]), index * NODE_BYTES, 3);
    tree.writeUIntBE(recordValue(node.records[1]), index * NODE_BYTES + 3, 3);
  });

  const metadata = encode({
    binary_format_major_version: new Typed('uint16', 2),
    binary_format_minor_version: new Typed('uint16', 0),
    build_epoch: new Typed('uint64', options.buildEpoch ?? 1_700_000_000),
    database_type: options.databaseType,
    description: { en: `${options.databaseType} built by the Trusted Server tests` },
    ip_version: new Typed('uint16', 6),
    languages: ['en'],
    node_count: new Typed('uint32', nodeCount),
    record_size: new Typed('uint16', RECORD_BITS),
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...records, METADATA_MARKER, metadata]);
}

function fail(message: string): never {
  throw new Error(`mmdb-writer: ${message}`);
}

/** The network as 128 bits (IPv4 at `::a.b.c.d`) and its prefix length in that space. */
function networkBits(network: string): [number[], number] {
  const [address = '', prefixText] = network.split('/');
  let bytes: number[];
  let prefix = Number(prefixText);
  if (isIPv4(address)) {
    bytes = [...new Array<number>(12).fill(0), ...address.split('.').map(Number)];
    prefix += 96;
  } else if (isIPv6(address)) {
    bytes = ipv6Bytes(address);
  } else {
    return fail(`not a network: ${network}`);
  }
  if (!Number.isInteger(prefix) || prefix < 1 || prefix > 128) fail(`bad prefix: ${network}`);
  const bits = bytes.flatMap((byte) =>
    [7, 6, 5, 4, 3, 2, 1, 0].map((shift) => (byte >> shift) & 1),
  );
  return [bits, prefix];
}

function ipv6Bytes(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

function insert(root: TreeNode, bits: readonly number[], prefix: number, leaf: Slot): void {
  let node = root;
  for (let depth = 0; depth < prefix - 1; depth++) {
    const bit = bits[depth] as 0 | 1;
    let next = node.records[bit];
    if (next === null) {
      next = { records: [null, null] };
      node.records[bit] = next;
    }
    if (!('records' in next)) fail('overlapping networks');
    node = next;
  }
  const last = bits[prefix - 1] as 0 | 1;
  if (node.records[last] !== null) fail('overlapping networks');
  node.records[last] = leaf;
}

function nodeAt(root: TreeNode, bits: readonly number[]): TreeNode | undefined {
  let node: Slot = root;
  for (const bit of bits) {
    if (node === null || !('records' in node)) return undefined;
    node = node.records[bit as 0 | 1];
  }
  return node !== null && 'records' in node ? node : undefined;
}

/** Breadth first from the root (node 0), as readers start there. */
function numberNodes(root: TreeNode): TreeNode[] {
  const order: TreeNode[] = [];
  const queue: TreeNode[] = [root];
  while (queue.length > 0) {
    const node = queue.shift() as TreeNode;
    order.push(node);
    for (const slot of node.records) {
      if (slot !== null && 'records' in slot) queue.push(slot);
    }
  }
  return order;
}

/** The control byte(s): type in the top 3 bits (0 = extended, type − 7 in the next byte), size. */
function control(type: number, size: number): Buffer {
  let sizeBits: number;
  let extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 29 + 256) [sizeBits, extra] = [29, [size - 29]];
  else if (size < 285 + 65536) [sizeBits, extra] = [30, [(size - 285) >> 8, (size - 285) & 0xff]];
  else {
    const rest = size - 65821;
    [sizeBits, extra] = [31, [(rest >> 16) & 0xff, (rest >> 8) & 0xff, rest & 0xff]];
  }
  const head = type <= 7 ? [(type << 5) | sizeBits] : [sizeBits, type - 7];
  return Buffer.from([...head, ...extra]);
}

function unsigned(type: number, value: number): Buffer {
  const bytes: number[] = [];
  for (let rest = BigInt(value); rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

export function encode(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(TYPE.string, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return control(TYPE.boolean, value ? 1 : 0);
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value < 2 ** 32
      ? unsigned(TYPE.uint32, value)
      : encode(new Typed('double', value));
  }
  if (value instanceof Typed) {
    switch (value.type) {
      case 'double': {
        const payload = Buffer.alloc(8);
        payload.writeDoubleBE(value.value);
        return Buffer.concat([control(TYPE.double, 8), payload]);
      }
      case 'int32': {
        const payload = Buffer.alloc(4);
        payload.writeInt32BE(value.value);
        return Buffer.concat([control(TYPE.int32, 4), payload]);
      }
      default:
        return unsigned(TYPE[value.type], value.value);
    }
  }
  if (Array.isArray(value)) {
    const items = value as readonly MmdbValue[];
    return Buffer.concat([control(TYPE.array, items.length), ...items.map(encode)]);
  }
  const entries = Object.entries(value as { readonly [key: string]: MmdbValue });
  return Buffer.concat([
    control(TYPE.map, entries.length),
    ...entries.flatMap(([key, entry]) => [encode(key), encode(entry)]),
  ]);
}

/** A GeoLite2-City-shaped record. */
export function cityRecord(fields: {
  country: string;
  subdivision?: string;
  city?: string;
  continent?: string;
  latitude?: number;
  longitude?: number;
}): MmdbValue {
  const record: Record<string, MmdbValue> = {
    country: { geoname_id: 1, iso_code: fields.country, names: { en: fields.country } },
    registered_country: { geoname_id: 1, iso_code: fields.country },
  };
  if (fields.continent !== undefined) record['continent'] = { code: fields.continent };
  if (fields.city !== undefined) record['city'] = { names: { en: fields.city } };
  if (fields.subdivision !== undefined) {
    record['subdivisions'] = [{ iso_code: fields.subdivision, names: { en: fields.subdivision } }];
  }
  if (fields.latitude !== undefined && fields.longitude !== undefined) {
    record['location'] = {
      accuracy_radius: new Typed('uint16', 100),
      latitude: new Typed('double', fields.latitude),
      longitude: new Typed('double', fields.longitude),
    };
  }
  return record;
}

/** A GeoLite2-ASN-shaped record. */
export function asnRecord(asn: number, organisation: string): MmdbValue {
  return { autonomous_system_number: asn, autonomous_system_organization: organisation };
}
