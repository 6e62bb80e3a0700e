// Network groups: the unit an attacker is assumed to control (Core's NetGroupManager::GetGroup).
// Bucket placement hashes them, and outbound connections are spread over them. The group is a
// byte string whose first byte is the address's class; an ASN map would replace it through the
// `GroupOf` seam.
import { formatIPv4 } from '../protocol/messages/ip.js';
import {
  addrBytes,
  formatNetAddr,
  hasLinkedIPv4,
  isHeNet,
  isInternal,
  isRoutable,
  linkedIPv4,
  NET,
  type NetAddr,
  netClass,
} from './netaddr.js';

/**
 * Maps an address to its network group. The default is `netGroup`; an embedder with an ASN map
 * (Core's -asmap) plugs in a function that returns, for mapped IPv4/IPv6 addresses, something
 * like `[NET.ipv6, asn as 4 bytes little-endian]` and falls back to `netGroup` otherwise.
 */
export type GroupOf = (addr: NetAddr) => Buffer;

/**
 * Core's GetGroup without an ASN map: IPv4 by /16 (also the IPv4 inside IPv4-mapped, 6to4,
 * Teredo, NAT64 and SIIT forms), IPv6 by /32 (he.net by /36), Tor and I2P by their first 4 bits,
 * CJDNS by the 4 bits after its constant fc byte, internal addresses by all their bytes.
 *
 * One difference: Core puts every unroutable address (loopback, private, link-local, …) into a
 * single group. Only the user can put such addresses into our book (gossip never does), so
 * grouping them protects nothing, while one group would crowd a local test network into one new
 * bucket of 64 slots and let the pool hold one connection to it. Here each unroutable address is
 * its own group, still marked with Core's unroutable class so it never meets a routable group.
 */
export function netGroup(addr: NetAddr): Buffer {
  const cls = netClass(addr);
  if (isInternal(addr)) return Buffer.concat([Buffer.of(cls), addr.bytes]);
  if (!isRoutable(addr)) return Buffer.concat([Buffer.of(cls, addr.net), addr.bytes]);
  if (hasLinkedIPv4(addr)) {
    const v4 = linkedIPv4(addr);
    return Buffer.of(cls, v4[0]!, v4[1]!);
  }
  let bits: number;
  switch (addr.net) {
    case NET.onion:
    case NET.i2p:
      bits = 4;
      break;
    case NET.cjdns:
      // The first byte of a CJDNS address is the constant 0xfc; the key's randomness follows it.
      bits = 12;
      break;
    default:
      bits = isHeNet(addr) ? 36 : 32;
  }
  const bytes = addrBytes(addr);
  const whole = bits >> 3;
  const rest = bits & 7;
  const out = Buffer.alloc(1 + whole + (rest ? 1 : 0));
  out[0] = cls;
  bytes.copy(out, 1, 0, whole);
  // Core keeps the significant bits of the last byte and sets the others.
  if (rest) out[1 + whole] = bytes[whole]! | ((1 << (8 - rest)) - 1);
  return out;
}

const CLASS_NAMES: Record<number, string> = {
  [NET.unroutable]: 'unroutable',
  [NET.ipv4]: 'ipv4',
  [NET.ipv6]: 'ipv6',
  [NET.onion]: 'torv3',
  [NET.i2p]: 'i2p',
  [NET.cjdns]: 'cjdns',
  [NET.internal]: 'internal',
};

/**
 * A group as readable text, for the pool's bookkeeping and logs: 'ipv4:1.2', 'ipv6:20010db8',
 * 'torv3:af', 'unroutable:127.0.0.1'. Two groups have the same text exactly when their bytes are equal.
 */
export function formatGroup(group: Buffer): string {
  const cls = group[0] ?? -1;
  const name = CLASS_NAMES[cls] ?? `class${cls}`;
  if (cls === NET.ipv4 && group.length === 3) return `${name}:${group[1]}.${group[2]}`;
  if (cls === NET.unroutable && group.length >= 2) {
    const net = group[1]!;
    const bytes = group.subarray(2);
    if (net === NET.ipv4 && bytes.length === 4) return `${name}:${formatIPv4(bytes)}`;
    if ((net === NET.ipv6 || net === NET.cjdns) && bytes.length === 16) return `${name}:${formatNetAddr({ net: NET.ipv6, bytes })}`;
  }
  return `${name}:${group.subarray(1).toString('hex')}`;
}
