import { isIPv4, isIPv6 } from 'node:net';

/**
 * Where an address leads, for outgoing requests a tenant can aim: `public` is fine, `private` only when the host
 * opts in (its own network: loopback, RFC 1918, CGNAT, ULA, link-local), `forbidden` never (cloud metadata, the
 * unspecified address, multicast, reserved and documentation ranges, and anything that does not parse).
 */
export type AddressClass = { kind: 'public' } | { kind: 'private' | 'forbidden'; label: string };

interface Range {
  base: string;
  bits: number;
  kind: 'private' | 'forbidden';
  label: string;
}

/** Metadata services answer with cloud credentials, so they stay out of reach even for hosts on a private network. */
const METADATA_V4 = new Set(['169.254.169.254', '169.254.169.253', '169.254.170.2', '100.100.100.200']);
const METADATA_V6 = new Set(['fd00:ec2:0:0:0:0:0:254']);

const V4_RANGES: Range[] = [
  { base: '0.0.0.0', bits: 8, kind: 'forbidden', label: 'the unspecified "this network" range' },
  { base: '127.0.0.0', bits: 8, kind: 'private', label: 'a loopback address' },
  { base: '10.0.0.0', bits: 8, kind: 'private', label: 'a private address (RFC 1918)' },
  { base: '172.16.0.0', bits: 12, kind: 'private', label: 'a private address (RFC 1918)' },
  { base: '192.168.0.0', bits: 16, kind: 'private', label: 'a private address (RFC 1918)' },
  { base: '100.64.0.0', bits: 10, kind: 'private', label: 'a carrier-grade NAT address' },
  { base: '169.254.0.0', bits: 16, kind: 'private', label: 'a link-local address' },
  { base: '198.18.0.0', bits: 15, kind: 'private', label: 'a benchmarking-network address' },
  { base: '192.0.0.0', bits: 24, kind: 'forbidden', label: 'a reserved address' },
  { base: '192.0.2.0', bits: 24, kind: 'forbidden', label: 'a documentation address' },
  { base: '198.51.100.0', bits: 24, kind: 'forbidden', label: 'a documentation address' },
  { base: '203.0.113.0', bits: 24, kind: 'forbidden', label: 'a documentation address' },
  { base: '224.0.0.0', bits: 4, kind: 'forbidden', label: 'a multicast address' },
  { base: '240.0.0.0', bits: 4, kind: 'forbidden', label: 'a reserved address' },
];

const V6_RANGES: Range[] = [
  { base: '::1', bits: 128, kind: 'private', label: 'a loopback address' },
  { base: '::', bits: 128, kind: 'forbidden', label: 'the unspecified address' },
  { base: 'fc00::', bits: 7, kind: 'private', label: 'a unique local address (ULA)' },
  { base: 'fe80::', bits: 10, kind: 'private', label: 'a link-local address' },
  { base: 'fec0::', bits: 10, kind: 'private', label: 'a site-local address' },
  { base: '64:ff9b:1::', bits: 48, kind: 'private', label: 'a local NAT64 address' },
  { base: 'ff00::', bits: 8, kind: 'forbidden', label: 'a multicast address' },
  { base: '2001:db8::', bits: 32, kind: 'forbidden', label: 'a documentation address' },
  { base: '2001::', bits: 32, kind: 'forbidden', label: 'a Teredo tunnel address' },
  { base: '100::', bits: 64, kind: 'forbidden', label: 'a discard address' },
];

/**
 * Classifies an IP address (dotted IPv4, or IPv6 with or without brackets). IPv6 forms that carry an IPv4 address
 * (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that
 * IPv4 address, so `[::ffff:127.0.0.1]` is loopback.
 * @example
 * classifyAddress('169.254.169.254'); // { kind: 'forbidden', label: 'a cloud metadata address' }
 */
export function classifyAddress(address: string): AddressClass {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIPv4(text)) return classifyV4(v4Number(text));
  // A zone id (`fe80::1%eth0`) names an interface of this machine: never a tenant's target.
  if (text.includes('%')) return { kind: 'forbidden', label: 'an address with a zone id' };
  const bytes = isIPv6(text) ? v6Bytes(text) : undefined;
  if (!bytes) return { kind: 'forbidden', label: 'not an IP address' };
  const embedded = embeddedV4(bytes);
  if (embedded !== undefined) return classifyV4(embedded);
  if (METADATA_V6.has(v6Text(bytes))) return { kind: 'forbidden', label: 'a cloud metadata address' };
  for (const range of V6_RANGES) if (v6InRange(bytes, range)) return { kind: range.kind, label: range.label };
  return { kind: 'public' };
}

function classifyV4(value: number): AddressClass {
  if (METADATA_V4.has(v4Text(value))) return { kind: 'forbidden', label: 'a cloud metadata address' };
  for (const range of V4_RANGES) {
    const mask = range.bits === 0 ? 0 : (~0 << (32 - range.bits)) >>> 0;
    if (((value & mask) >>> 0) === ((v4Number(range.base) & mask) >>> 0)) return { kind: range.kind, label: range.label };
  }
  return { kind: 'public' };
}

/** The IPv4 address an IPv6 address carries, when it is of a form that routes to one. */
function embeddedV4(bytes: Uint8Array): number | undefined {
  const word = (index: number) => (byteAt(bytes, index) << 8) | byteAt(bytes, index + 1);
  const tail = v4At(bytes, 12);
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((byte) => byte === 0);
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated)
  if (zeros(0, 10) && word(10) === 0xffff) return tail;
  if (zeros(0, 8) && word(8) === 0xffff && word(10) === 0) return tail;
  // ::a.b.c.d (the deprecated compatible form), except :: and ::1 which have their own meaning
  if (zeros(0, 12) && tail > 1) return tail;
  // 64:ff9b::a.b.c.d (well-known NAT64 prefix)
  if (word(0) === 0x64 && word(2) === 0xff9b && zeros(4, 12)) return tail;
  // 2002:AABB:CCDD::/48 (6to4)
  if (word(0) === 0x2002) return v4At(bytes, 2);
  return undefined;
}

/** Reads a byte that is known to exist (the arrays here are always 16 bytes long). */
const byteAt = (bytes: Uint8Array, index: number) => bytes[index] ?? 0;

/** The IPv4 address in the 4 bytes from `from`. */
const v4At = (bytes: Uint8Array, from: number) => ((byteAt(bytes, from) << 24) | (byteAt(bytes, from + 1) << 16) | (byteAt(bytes, from + 2) << 8) | byteAt(bytes, from + 3)) >>> 0;

function v4Number(text: string): number {
  return text.split('.').reduce((value, part) => ((value << 8) | Number(part)) >>> 0, 0);
}

function v4Text(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** The 16 bytes of a valid IPv6 address (node's `isIPv6` has already accepted it). */
function v6Bytes(text: string): Uint8Array | undefined {
  let body = text.toLowerCase();
  const words: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted?.[1] !== undefined) {
    const value = v4Number(dotted[1]);
    body = `${body.slice(0, dotted.index)}${((value >>> 16) & 0xffff).toString(16)}:${(value & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = body.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((word) => Number.parseInt(word, 16)));
  const front = parse(head);
  const back = rest === undefined ? [] : parse(rest);
  const missing = 8 - front.length - back.length;
  if (missing < 0 || (rest === undefined && missing !== 0)) return undefined;
  words.push(...front, ...new Array<number>(missing).fill(0), ...back);
  const bytes = new Uint8Array(16);
  words.forEach((word, index) => {
    bytes[index * 2] = word >> 8;
    bytes[index * 2 + 1] = word & 0xff;
  });
  return bytes;
}

function v6Text(bytes: Uint8Array): string {
  const words: string[] = [];
  for (let index = 0; index < 16; index += 2) words.push(((byteAt(bytes, index) << 8) | byteAt(bytes, index + 1)).toString(16));
  return words.join(':');
}

function v6InRange(bytes: Uint8Array, range: Range): boolean {
  const base = v6Bytes(range.base);
  if (!base) return false;
  for (let bit = 0; bit < range.bits; bit += 1) {
    const mask = 0x80 >> (bit % 8);
    if ((byteAt(bytes, bit >> 3) & mask) !== (byteAt(base, bit >> 3) & mask)) return false;
  }
  return true;
}
