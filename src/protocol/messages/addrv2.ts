import { createHash } from 'node:crypto';
import { base32Decode, base32Encode } from '../base32.js';
import { byteCount, ProtocolError } from '../errors.js';
import { MAX_ADDR_TO_SEND, MAX_ADDRV2_SIZE } from '../limits.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip.js';

/** BIP155 network ids and the address length each must have. */
export const AddrV2Network = { ipv4: 1, ipv6: 2, torv2: 3, torv3: 4, i2p: 5, cjdns: 6 } as const;
export type KnownAddrNetwork = keyof typeof AddrV2Network;
/** The networks of BIP155, by name; `unknown` for ids we do not know. */
export type AddrNetwork = KnownAddrNetwork | 'unknown';

const ADDRESS_LENGTH: Record<KnownAddrNetwork, number> = { ipv4: 4, ipv6: 16, torv2: 10, torv3: 32, i2p: 32, cjdns: 16 };
const NETWORK_BY_ID = new Map<number, KnownAddrNetwork>(
  Object.entries(AddrV2Network).map(([name, id]) => [id, name as KnownAddrNetwork]),
);

/** One `addrv2` entry: time, services, network, address and port. */
export interface AddrV2Entry {
  time: number;
  services: bigint;
  network: AddrNetwork;
  /** The BIP155 id as sent; for `unknown` networks the only clue to what the address is. */
  networkId: number;
  /**
   * Text as Bitcoin Core writes it: dotted quad, IPv6, `<56 chars>.onion`, `<52 chars>.b32.i2p`.
   * Tor v2 (no longer supported) and unknown networks carry the raw address as hex.
   */
  host: string;
  port: number;
}

/** The payload of `addrv2` (BIP155). */
export interface AddrV2Payload {
  addresses: AddrV2Entry[];
}

const TORV3_VERSION = 3;
const onionChecksum = (pubkey: Uint8Array): Buffer =>
  createHash('sha3-256')
    .update('.onion checksum')
    .update(pubkey)
    .update(Uint8Array.of(TORV3_VERSION))
    .digest()
    .subarray(0, 2);

export function formatAddress(network: AddrNetwork, bytes: Buffer): string {
  switch (network) {
    case 'ipv4':
      return formatIPv4(bytes);
    case 'ipv6':
    case 'cjdns':
      return formatIPv6(bytes);
    case 'torv3':
      return `${base32Encode(Buffer.concat([bytes, onionChecksum(bytes), Uint8Array.of(TORV3_VERSION)]))}.onion`;
    case 'i2p':
      return `${base32Encode(bytes)}.b32.i2p`;
    default:
      return bytes.toString('hex');
  }
}

export function parseAddress(network: AddrNetwork, host: string): Buffer | null {
  switch (network) {
    case 'ipv4':
      return parseIPv4(host);
    case 'ipv6':
    case 'cjdns':
      return parseIPv6(host);
    case 'torv3': {
      if (!host.endsWith('.onion')) return null;
      const raw = base32Decode(host.slice(0, -'.onion'.length));
      if (!raw || raw.length !== 35 || raw[34] !== TORV3_VERSION) return null;
      const pubkey = raw.subarray(0, 32);
      return onionChecksum(pubkey).equals(raw.subarray(32, 34)) ? pubkey : null;
    }
    case 'i2p': {
      if (!host.endsWith('.b32.i2p')) return null;
      const raw = base32Decode(host.slice(0, -'.b32.i2p'.length));
      return raw && raw.length === 32 ? raw : null;
    }
    default:
      return /^([0-9a-f]{2})*$/i.test(host) ? Buffer.from(host, 'hex') : null;
  }
}

// IPv6 prefixes that carry another network's address (IPv4-mapped, Tor v2's and Core's internal
// ones). BIP155 gives those networks their own ids, so in an addrv2 IPv6 entry they are invalid:
// Core reads them as the unspecified address, which nobody keeps or dials.
const DISGUISED_IPV6_PREFIXES = [
  Buffer.from('00000000000000000000ffff', 'hex'),
  Buffer.from('fd87d87eeb43', 'hex'),
  Buffer.from('fd6b88c08724', 'hex'),
];

const isDisguisedIPv6 = (bytes: Buffer): boolean =>
  DISGUISED_IPV6_PREFIXES.some((prefix) => bytes.subarray(0, prefix.length).equals(prefix));

export function decodeAddrV2(r: Reader): AddrV2Payload {
  const n = r.count(MAX_ADDR_TO_SEND, 'address count');
  const addresses: AddrV2Entry[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const time = r.u32('time');
    const services = r.compactSize64('services');
    const networkId = r.u8('network id');
    const bytes = r.varBytes(MAX_ADDRV2_SIZE, 'address');
    // Tor v2 was retired (Core 22): its id is read like any unknown network's, skipped by the book.
    const network = networkId === AddrV2Network.torv2 ? 'unknown' : (NETWORK_BY_ID.get(networkId) ?? 'unknown');
    // BIP155: an address of the wrong length for a known network is meaningless; Core rejects the message.
    if (network !== 'unknown' && bytes.length !== ADDRESS_LENGTH[network]) {
      r.fail('invalid-field', `${network} address of ${byteCount(bytes.length)}, expected ${ADDRESS_LENGTH[network]}`);
    }
    const host = network === 'ipv6' && isDisguisedIPv6(bytes) ? '::' : formatAddress(network, bytes);
    addresses[i] = { time, services, network, networkId, host, port: r.u16be('port') };
  }
  return { addresses };
}

export function encodeAddrV2(w: Writer, p: AddrV2Payload): void {
  w.compactSize(p.addresses.length);
  for (const a of p.addresses) {
    const bytes = parseAddress(a.network, a.host);
    if (!bytes || (a.network !== 'unknown' && bytes.length !== ADDRESS_LENGTH[a.network])) {
      throw new ProtocolError('unencodable', `not a valid ${a.network} address: ${JSON.stringify(a.host)}`, 'addrv2');
    }
    // An unknown network keeps its id, which must be a byte BIP155 does not assign: one it does
    // would decode as that network, and anything else would be silently cut to 8 bits.
    if (a.network === 'unknown' && !(Number.isInteger(a.networkId) && a.networkId >= 0 && a.networkId <= 0xff)) {
      throw new ProtocolError('unencodable', `network id ${a.networkId} is not a byte`, 'addrv2');
    }
    if (a.network === 'unknown' && NETWORK_BY_ID.has(a.networkId) && a.networkId !== AddrV2Network.torv2) {
      throw new ProtocolError('unencodable', `network id ${a.networkId} belongs to ${NETWORK_BY_ID.get(a.networkId)}`, 'addrv2');
    }
    const id = a.network === 'unknown' ? a.networkId : AddrV2Network[a.network];
    w.u32(a.time).compactSize(a.services).u8(id).varBytes(bytes).u16be(a.port);
  }
}
