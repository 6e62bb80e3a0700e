// Addresses as Bitcoin Core's CNetAddr keeps them: a network id and the raw bytes, plus a port for
// a service. Text appears only at the edges (parsing what a peer or the user gave, and formatting
// for keys, JSON and logs). The predicates follow Core 29's netaddress.cpp rule by rule.
import { createHash } from 'node:crypto';
import { base32Encode } from '../protocol/base32.js';
import { type AddrNetwork, formatAddress, parseAddress } from '../protocol/messages/addrv2.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../protocol/messages/ip.js';

/** Core's `enum Network` values (they are hashed into network groups, so they must not change). */
export const NET = { unroutable: 0, ipv4: 1, ipv6: 2, onion: 3, i2p: 4, cjdns: 5, internal: 6 } as const;

/** The network of a stored address (never `unroutable`: that is a class, not a network). */
export type NetId = (typeof NET)[Exclude<keyof typeof NET, 'unroutable'>];

/** Networks an address-book entry can be on, by the names BIP155 and the codec use. */
export type StoredNetwork = 'ipv4' | 'ipv6' | 'torv3' | 'i2p' | 'cjdns';

/** An address without a port: Core's CNetAddr. `bytes` is 4 (IPv4), 16 (IPv6, CJDNS), 32 (Tor v3, I2P) or 10 (internal) long. */
export interface NetAddr {
  readonly net: NetId;
  readonly bytes: Buffer;
}

/** An address with a port: Core's CService. */
export interface Service extends NetAddr {
  readonly port: number;
}

const NAME_BY_NET: Record<NetId, StoredNetwork | 'internal'> = {
  [NET.ipv4]: 'ipv4',
  [NET.ipv6]: 'ipv6',
  [NET.onion]: 'torv3',
  [NET.i2p]: 'i2p',
  [NET.cjdns]: 'cjdns',
  [NET.internal]: 'internal',
};

const NET_BY_NAME: Record<StoredNetwork, NetId> = {
  ipv4: NET.ipv4,
  ipv6: NET.ipv6,
  torv3: NET.onion,
  i2p: NET.i2p,
  cjdns: NET.cjdns,
};

/** The name of a network id ('internal' for Core's name-derived pseudo addresses). */
export const networkName = (net: NetId): StoredNetwork | 'internal' => NAME_BY_NET[net];

/** The id of a network name, or undefined for names the book does not keep. */
export const netIdOf = (name: string): NetId | undefined => NET_BY_NAME[name as StoredNetwork];

// ---- prefixes Core gives a meaning to (netaddress.h) ---------------------------------------

const IPV4_IN_IPV6 = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
/** Tor v2 addresses once travelled in IPv6 form under this prefix; Core 29 reads them as invalid. */
const TORV2_IN_IPV6 = Buffer.from([0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43]);
/** Core's internal (name-derived) addresses in their IPv6 form. */
const INTERNAL_IN_IPV6 = Buffer.from([0xfd, 0x6b, 0x88, 0xc0, 0x87, 0x24]);
const INTERNAL_SIZE = 10;

const hasPrefix = (bytes: Uint8Array, prefix: readonly number[] | Uint8Array): boolean => {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
};

// ---- parsing and formatting -------------------------------------------------------------------

const unbracket = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/** 16 bytes of IPv6 as Core's SetLegacyIPv6 reads them: IPv4-mapped becomes IPv4; Tor v2 and internal forms are refused. */
function fromIPv6Bytes(b: Buffer): NetAddr | null {
  if (hasPrefix(b, IPV4_IN_IPV6)) return { net: NET.ipv4, bytes: Buffer.from(b.subarray(12)) };
  if (hasPrefix(b, TORV2_IN_IPV6) || hasPrefix(b, INTERNAL_IN_IPV6)) return null;
  return { net: NET.ipv6, bytes: b };
}

/** An IPv4 or IPv6 literal (brackets allowed); IPv4-mapped IPv6 reads as IPv4. */
function fromIpText(host: string): NetAddr | null {
  const v4 = parseIPv4(host);
  if (v4) return { net: NET.ipv4, bytes: v4 };
  const v6 = parseIPv6(unbracket(host));
  return v6 ? fromIPv6Bytes(v6) : null;
}

/**
 * The address a peer or the user named, from its network and text (as the codec decodes `addr`
 * and `addrv2`), or null when it is not one the book keeps: unknown networks, Tor v2 (retired),
 * malformed text, CJDNS outside fc00::/8. For 'ipv4' and 'ipv6' the text decides, so
 * '::ffff:1.2.3.4' is the IPv4 address 1.2.3.4, as Core reads it.
 */
export function netAddrFrom(network: AddrNetwork | StoredNetwork, host: string): NetAddr | null {
  if (typeof host !== 'string') return null;
  switch (network) {
    case 'ipv4':
    case 'ipv6':
      return fromIpText(host);
    case 'cjdns': {
      const b = parseIPv6(unbracket(host));
      return b && b[0] === 0xfc ? { net: NET.cjdns, bytes: b } : null;
    }
    case 'torv3':
    case 'i2p': {
      const b = parseAddress(network, host.toLowerCase());
      return b ? { net: network === 'torv3' ? NET.onion : NET.i2p, bytes: b } : null;
    }
    default:
      return null;
  }
}

/** An address from bare text: `.onion` is Tor, `.b32.i2p` is I2P, otherwise an IP literal (CJDNS text reads as IPv6). */
export function parseNetAddr(host: string): NetAddr | null {
  if (typeof host !== 'string') return null;
  const lower = host.toLowerCase();
  if (lower.endsWith('.onion')) return netAddrFrom('torv3', lower);
  if (lower.endsWith('.b32.i2p')) return netAddrFrom('i2p', lower);
  return fromIpText(host);
}

/** Core's SetInternal: a pseudo address standing for a name (a DNS seed, say), never dialled or shared. */
export function internalAddr(name: string): NetAddr {
  return { net: NET.internal, bytes: createHash('sha256').update(name, 'utf8').digest().subarray(0, INTERNAL_SIZE) };
}

/** The text Core writes for an address: dotted quad, RFC 5952 IPv6, `.onion`, `.b32.i2p`, `.internal`. */
export function formatNetAddr(addr: NetAddr): string {
  switch (addr.net) {
    case NET.ipv4:
      return formatIPv4(addr.bytes);
    case NET.ipv6:
    case NET.cjdns:
      return formatIPv6(addr.bytes);
    case NET.onion:
      return formatAddress('torv3', addr.bytes);
    case NET.i2p:
      return formatAddress('i2p', addr.bytes);
    case NET.internal:
      return `${base32Encode(addr.bytes)}.internal`;
  }
}

/** 'host:port', with brackets for IPv6 and CJDNS: the key `addressKey` gives for the same address. */
export function formatService(service: Service): string {
  const host = formatNetAddr(service);
  return service.net === NET.ipv6 || service.net === NET.cjdns ? `[${host}]:${service.port}` : `${host}:${service.port}`;
}

/** A port one can dial: 1 to 65535. */
export const isValidPort = (port: number): boolean => Number.isInteger(port) && port > 0 && port <= 0xffff;

/**
 * 'host:port', '[v6]:port' or a bare host (port 0) into a service; null for anything else. The
 * port may be 0 here: a source address is an address, its port means nothing.
 */
export function parseService(text: string): Service | null {
  if (typeof text !== 'string') return null;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) {
    const addr = fromIpText(bracketed[1]!);
    const port = bracketed[2] === undefined ? 0 : Number(bracketed[2]);
    return addr && port <= 0xffff ? { ...addr, port } : null;
  }
  const bare = parseNetAddr(text);
  if (bare) return { ...bare, port: 0 };
  const colon = text.lastIndexOf(':');
  if (colon <= 0 || text.indexOf(':') !== colon || !/^\d{1,5}$/.test(text.slice(colon + 1))) return null;
  const addr = parseNetAddr(text.slice(0, colon));
  const port = Number(text.slice(colon + 1));
  return addr && port <= 0xffff ? { ...addr, port } : null;
}

// ---- identity ----------------------------------------------------------------------------------

/** Same network, same bytes (Core's CNetAddr equality; ports are not compared). */
export const sameNetAddr = (a: NetAddr, b: NetAddr): boolean => a.net === b.net && a.bytes.equals(b.bytes);

/** A compact string identifying an address (not for display). */
export const netAddrId = (addr: NetAddr): string => `${addr.net}/${addr.bytes.toString('hex')}`;

/** A compact string identifying a service (not for display). */
export const serviceId = (service: Service): string => `${netAddrId(service)}/${service.port}`;

/**
 * Core's GetAddrBytes: the legacy 16-byte form for IPv4 (IPv4-mapped), IPv6 and internal
 * addresses, the raw bytes for Tor, I2P and CJDNS. Hashed for bucket placement and groups.
 */
export function addrBytes(addr: NetAddr): Buffer {
  switch (addr.net) {
    case NET.ipv4:
      return Buffer.concat([IPV4_IN_IPV6, addr.bytes]);
    case NET.internal:
      return Buffer.concat([INTERNAL_IN_IPV6, addr.bytes]);
    default:
      return addr.bytes;
  }
}

/** Core's CService::GetKey: the address bytes followed by the port, big-endian. */
export function serviceKeyBytes(service: Service): Buffer {
  const bytes = addrBytes(service);
  const out = Buffer.allocUnsafe(bytes.length + 2);
  bytes.copy(out, 0);
  out.writeUInt16BE(service.port, bytes.length);
  return out;
}

// ---- classification: Core 29's netaddress.cpp ------------------------------------------------

const isIPv4 = (a: NetAddr): boolean => a.net === NET.ipv4;
const isIPv6 = (a: NetAddr): boolean => a.net === NET.ipv6;
const b = (a: NetAddr, i: number): number => a.bytes[i] ?? 0;

const isRFC1918 = (a: NetAddr): boolean =>
  isIPv4(a) && (b(a, 0) === 10 || (b(a, 0) === 192 && b(a, 1) === 168) || (b(a, 0) === 172 && b(a, 1) >= 16 && b(a, 1) <= 31));
const isRFC2544 = (a: NetAddr): boolean => isIPv4(a) && b(a, 0) === 198 && (b(a, 1) === 18 || b(a, 1) === 19);
const isRFC3927 = (a: NetAddr): boolean => isIPv4(a) && hasPrefix(a.bytes, [169, 254]);
const isRFC6598 = (a: NetAddr): boolean => isIPv4(a) && b(a, 0) === 100 && b(a, 1) >= 64 && b(a, 1) <= 127;
const isRFC5737 = (a: NetAddr): boolean =>
  isIPv4(a) && (hasPrefix(a.bytes, [192, 0, 2]) || hasPrefix(a.bytes, [198, 51, 100]) || hasPrefix(a.bytes, [203, 0, 113]));
const isRFC3849 = (a: NetAddr): boolean => isIPv6(a) && hasPrefix(a.bytes, [0x20, 0x01, 0x0d, 0xb8]);
/** 3fff::/20, documentation space since 2024; newer Core treats it like 2001:db8::/32. */
const isRFC9637 = (a: NetAddr): boolean => isIPv6(a) && hasPrefix(a.bytes, [0x3f, 0xff]) && (b(a, 2) & 0xf0) === 0;
const isRFC3964 = (a: NetAddr): boolean => isIPv6(a) && hasPrefix(a.bytes, [0x20, 0x02]);
const isRFC6052 = (a: NetAddr): boolean => isIPv6(a) && hasPrefix(a.bytes, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]);
const isRFC4380 = (a: NetAddr): boolean => isIPv6(a) && hasPrefix(a.bytes, [0x20, 0x01, 0, 0]);
const isRFC4862 = (a: NetAddr): boolean => isIPv6(a) && hasPrefix(a.bytes, [0xfe, 0x80, 0, 0, 0, 0, 0, 0]);
const isRFC4193 = (a: NetAddr): boolean => isIPv6(a) && (b(a, 0) & 0xfe) === 0xfc;
const isRFC6145 = (a: NetAddr): boolean => isIPv6(a) && hasPrefix(a.bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0]);
const isRFC4843 = (a: NetAddr): boolean => isIPv6(a) && hasPrefix(a.bytes, [0x20, 0x01, 0x00]) && (b(a, 3) & 0xf0) === 0x10;
const isRFC7343 = (a: NetAddr): boolean => isIPv6(a) && hasPrefix(a.bytes, [0x20, 0x01, 0x00]) && (b(a, 3) & 0xf0) === 0x20;
/** Hurricane Electric's 2001:470::/32, grouped by /36 because it hands out so many tunnels. */
export const isHeNet = (a: NetAddr): boolean => isIPv6(a) && hasPrefix(a.bytes, [0x20, 0x01, 0x04, 0x70]);

/** Loopback: 127/8, 0/8 and ::1 (Core's IsLocal). */
export function isLocal(a: NetAddr): boolean {
  if (isIPv4(a)) return b(a, 0) === 127 || b(a, 0) === 0;
  return isIPv6(a) && a.bytes.length === 16 && a.bytes.subarray(0, 15).every((x) => x === 0) && b(a, 15) === 1;
}

/** One of Core's name-derived pseudo addresses. */
export const isInternal = (a: NetAddr): boolean => a.net === NET.internal;

/** Could refer to a real host (Core's IsValid): not ::, 0.0.0.0, 255.255.255.255, documentation space, or internal. */
export function isValid(a: NetAddr): boolean {
  if (isIPv6(a) && a.bytes.every((x) => x === 0)) return false;
  if (a.net === NET.cjdns && b(a, 0) !== 0xfc) return false;
  if (isRFC3849(a) || isRFC9637(a) || isInternal(a)) return false;
  if (isIPv4(a)) {
    const v = a.bytes.readUInt32BE(0);
    if (v === 0 || v === 0xffffffff) return false;
  }
  return true;
}

/**
 * Publicly routable (Core's IsRoutable): valid and none of private, benchmarking, link-local,
 * shared, documentation, unique local, ORCHID, loopback or internal space. Like Core, multicast
 * and 240/4 count as routable; Tor, I2P and CJDNS addresses are routable on their networks.
 */
export function isRoutable(a: NetAddr): boolean {
  return (
    isValid(a) &&
    !(
      isRFC1918(a) ||
      isRFC2544(a) ||
      isRFC3927(a) ||
      isRFC4862(a) ||
      isRFC6598(a) ||
      isRFC5737(a) ||
      isRFC4193(a) ||
      isRFC4843(a) ||
      isRFC7343(a) ||
      isLocal(a) ||
      isInternal(a)
    )
  );
}

/** An IPv4 address stands behind this one: IPv4 itself, or IPv6 forms that carry one (Core's HasLinkedIPv4). */
export const hasLinkedIPv4 = (a: NetAddr): boolean =>
  isRoutable(a) && (isIPv4(a) || isRFC6145(a) || isRFC6052(a) || isRFC3964(a) || isRFC4380(a));

/** The IPv4 address behind a linked form, as 4 bytes (Core's GetLinkedIPv4; Teredo stores it inverted). */
export function linkedIPv4(a: NetAddr): Buffer {
  if (isIPv4(a)) return a.bytes;
  if (isRFC6052(a) || isRFC6145(a)) return a.bytes.subarray(12, 16);
  if (isRFC3964(a)) return a.bytes.subarray(2, 6);
  if (isRFC4380(a)) return Buffer.from(a.bytes.subarray(12, 16).map((x) => x ^ 0xff));
  throw new RangeError(`${formatNetAddr(a)} carries no IPv4 address`);
}

/** Core's GetNetClass: internal, unroutable (0), IPv4 for linked forms, else the address's network. */
export function netClass(a: NetAddr): number {
  if (isInternal(a)) return NET.internal;
  if (!isRoutable(a)) return NET.unroutable;
  if (hasLinkedIPv4(a)) return NET.ipv4;
  return a.net;
}
