// Address text and classification for the edges: canonical text forms and keys, and what the crawl
// may dial (public unicast, or local). The address book works on bytes with Core's own rules
// (src/addrman/netaddr.ts, netgroup.ts). Pure functions, no I/O.
import { type AddrNetwork, formatAddress, parseAddress } from './protocol/messages/addrv2.js';
import { formatIPv4, formatIPv6, isIPv4Mapped, parseIPv4, parseIPv6 } from './protocol/messages/ip.js';

/** Networks the address book stores. */
export type StoredNetwork = 'ipv4' | 'ipv6' | 'torv3' | 'i2p' | 'cjdns';

/** What classification needs of an address. */
export interface NetworkAddress {
  network: AddrNetwork;
  host: string;
}

// ---- canonical text ------------------------------------------------------------------------

const unbracket = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/** An IP in text form, as bytes: 4 for IPv4 (including IPv4-mapped IPv6), 16 for IPv6. */
function ipBytes(host: string): Buffer | null {
  const v4 = parseIPv4(host);
  if (v4) return v4;
  const v6 = parseIPv6(unbracket(host));
  if (!v6) return null;
  return isIPv4Mapped(v6) ? Buffer.from(v6.subarray(12)) : v6;
}

const formatIp = (b: Buffer): string => (b.length === 4 ? formatIPv4(b) : formatIPv6(b));

/**
 * The canonical network and text of an address, or null when the book does not keep it.
 *
 * For IPv4 and IPv6 the text decides the network: '::ffff:1.2.3.4' is the IPv4 host 1.2.3.4 (as
 * Core's SetLegacyIPv6 reads it), and every IPv6 spelling becomes its RFC 5952 form.
 *
 * 'unknown' networks and Tor v2 are not kept: Core drops them on receipt (BIP155 says to ignore
 * unknown network ids, and Tor v2 was retired in Core 22, which now treats such addresses as
 * invalid), so there is nothing anyone could do with them, and relaying them would only spread junk.
 */
export function canonicalAddress(network: AddrNetwork, host: string): { network: StoredNetwork; host: string } | null {
  if (typeof host !== 'string') return null;
  switch (network) {
    case 'ipv4':
    case 'ipv6': {
      const b = ipBytes(host);
      return b ? { network: b.length === 4 ? 'ipv4' : 'ipv6', host: formatIp(b) } : null;
    }
    case 'cjdns': {
      // CJDNS addresses live in fc00::/8; Core rejects anything else on this network.
      const b = parseIPv6(unbracket(host));
      return b && b[0] === 0xfc ? { network, host: formatIPv6(b) } : null;
    }
    case 'torv3':
    case 'i2p': {
      const b = parseAddress(network, host.toLowerCase());
      return b ? { network, host: formatAddress(network, b) } : null;
    }
    default:
      return null;
  }
}

/** The network a bare host text belongs to, as far as the text tells (CJDNS reads as IPv6). */
export function networkOfHost(host: string): StoredNetwork | null {
  const lower = host.toLowerCase();
  if (lower.endsWith('.onion')) return 'torv3';
  if (lower.endsWith('.b32.i2p')) return 'i2p';
  const b = ipBytes(host);
  if (!b) return null;
  return b.length === 4 ? 'ipv4' : 'ipv6';
}

export const isValidPort = (port: number): boolean => Number.isInteger(port) && port > 0 && port <= 0xffff;

/**
 * Canonical 'host:port', '[v6]:port' for IPv6 (and CJDNS, which shares IPv6 text). Spellings of one
 * address give one key: '::ffff:1.2.3.4' and '1.2.3.4', '2001:DB8:0::1' and '2001:db8::1'.
 * Text that is no address is kept as it is (lower-cased for names).
 */
export function addressKey(host: string, port: number): string {
  const network = networkOfHost(host);
  let text = host;
  if (network === 'torv3' || network === 'i2p') text = canonicalAddress(network, host)?.host ?? host.toLowerCase();
  else if (network) text = canonicalAddress(network, host)!.host;
  return network === 'ipv6' || (network === null && text.includes(':')) ? `[${unbracket(text)}]:${port}` : `${text}:${port}`;
}

// ---- classification ------------------------------------------------------------------------

/** Whether the first `bits` bits of `b` equal those of `prefix`. */
function inPrefix(b: Uint8Array, prefix: readonly number[], bits: number): boolean {
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((b[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

type Range = readonly [prefix: readonly number[], bits: number];

// IPv4 ranges that are loopback or private: what a local crawl may follow.
const IPV4_LOCAL: readonly Range[] = [
  [[127], 8], // loopback
  [[10], 8], // RFC 1918
  [[172, 16], 12], // RFC 1918
  [[192, 168], 16], // RFC 1918
  [[100, 64], 10], // RFC 6598, carrier-grade NAT
  [[169, 254], 16], // RFC 3927, link-local
];
// IPv4 ranges that are neither local nor public unicast.
const IPV4_OTHER_UNROUTABLE: readonly Range[] = [
  [[0], 8], // "this network" (0.0.0.0 is unspecified)
  [[192, 0, 2], 24], // RFC 5737 documentation
  [[198, 51, 100], 24],
  [[203, 0, 113], 24],
  [[198, 18], 15], // RFC 2544 benchmarking
  [[224], 4], // multicast
  [[240], 4], // reserved, and the broadcast address
];
const IPV6_LOCAL: readonly Range[] = [
  [[...new Array<number>(15).fill(0), 1], 128], // ::1
  [[0xfe, 0x80], 10], // link-local
  [[0xfc], 7], // RFC 4193 unique local
];
const IPV6_OTHER_UNROUTABLE: readonly Range[] = [
  [new Array<number>(16).fill(0), 128], // :: unspecified
  [[0xff], 8], // multicast
  [[0x20, 0x01, 0x0d, 0xb8], 32], // RFC 3849 documentation
  [[0x20, 0x01, 0x00, 0x10], 28], // RFC 4843 ORCHID
  [[0x20, 0x01, 0x00, 0x20], 28], // RFC 7343 ORCHIDv2
];

const inAny = (b: Uint8Array, ranges: readonly Range[]): boolean => ranges.some(([p, bits]) => inPrefix(b, p, bits));

/**
 * Public unicast: not loopback, private, shared (100.64/10), link-local, unique local, unspecified,
 * multicast, reserved, benchmarking or documentation space. Stricter than Core's IsRoutable
 * (src/addrman/netaddr.ts), which lets multicast and 240/4 through: this is what the crawl dials. Tor v3 and I2P addresses are routable
 * on their networks when well-formed, and CJDNS addresses (fc00::/8) are routable on CJDNS.
 */
export function isRoutable(record: NetworkAddress): boolean {
  const c = canonicalAddress(record.network, record.host);
  if (!c) return false;
  if (c.network === 'torv3' || c.network === 'i2p' || c.network === 'cjdns') return true;
  const b = ipBytes(c.host)!;
  return b.length === 4
    ? !inAny(b, IPV4_LOCAL) && !inAny(b, IPV4_OTHER_UNROUTABLE)
    : !inAny(b, IPV6_LOCAL) && !inAny(b, IPV6_OTHER_UNROUTABLE);
}

/**
 * Loopback or private: 127/8, 10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16, ::1, fe80::/10,
 * fc00::/7. Not 0.0.0.0/8 (Core counts it as local, but dialling it reaches this host by accident).
 * Never true for Tor, I2P or CJDNS.
 */
export function isLocal(record: NetworkAddress): boolean {
  const c = canonicalAddress(record.network, record.host);
  if (!c || (c.network !== 'ipv4' && c.network !== 'ipv6')) return false;
  const b = ipBytes(c.host)!;
  return inAny(b, b.length === 4 ? IPV4_LOCAL : IPV6_LOCAL);
}
