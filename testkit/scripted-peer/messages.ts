// What scripted peers and clients say and how they name things: version payloads, addresses, matchers.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { PROTOCOL_VERSION } from '../../src/protocol/limits.js';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import { AddrV2Network, type AddrV2Entry } from '../../src/protocol/messages/addrv2.js';
import type { Message } from '../../src/protocol/messages/index.js';
import type { VersionPayload } from '../../src/protocol/messages/version.js';
import { NETWORKS, type Network, type NetworkName } from '../../src/protocol/networks.js';
import { DEFAULT_SERVICES, DEFAULT_USER_AGENT, type MessageFor } from './types.js';

/** Every address in 127.0.0.0/8, and ::1 (also as ::ffff:127.x.y.z). */
export function isLoopback(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h === '::1' || h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return net.isIPv4(v4) && v4.split('.')[0] === '127';
}

/** Throws unless `host` is loopback: test peers never reach beyond this machine. */
export function assertLoopback(host: string): void {
  if (!isLoopback(host))
    throw new Error(`test peers only use loopback addresses, not ${JSON.stringify(host)}`);
}

/** A network by name or as given; regtest when undefined. */
export const resolveNetwork = (network: NetworkName | Network | undefined): Network =>
  network === undefined ? NETWORKS.regtest : typeof network === 'string' ? NETWORKS[network] : network;

/** 'host:port', or '[v6]:port'. */
export const formatAddress = (host: string, port: number): string =>
  net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;

/** 'host:port' or '[v6]:port' into parts. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  if (!match) throw new Error(`not a host:port address: ${JSON.stringify(address)}`);
  return { host: match[1]!, port: Number(match[2]) };
}

/** A random 64-bit nonce. */
export const randomNonce = (): bigint => randomBytes(8).readBigUInt64LE();

/** A socket's address as a version payload carries it: IPv4-mapped IPv6 unwrapped, '::' when unknown. */
export const plainHost = (host: string | undefined): string =>
  host === undefined ? '::' : host.startsWith('::ffff:') && net.isIPv4(host.slice(7)) ? host.slice(7) : host;

/** A complete `version` payload from defaults, `overrides` on top. */
export function makeVersion(
  overrides: Partial<VersionPayload> = {},
  remote: { host?: string; port?: number } = {},
): VersionPayload {
  const services = overrides.services ?? DEFAULT_SERVICES;
  return {
    version: PROTOCOL_VERSION,
    services,
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
    receiver: { services: 0n, host: plainHost(remote.host), port: remote.port ?? 0 },
    sender: { services, host: '::', port: 0 },
    nonce: randomNonce(),
    userAgent: DEFAULT_USER_AGENT,
    startHeight: 0,
    relay: true,
    ...overrides,
  };
}

/** An addr entry as addrv2 writes it: IPv4, IPv6, or Tor v3 for a host ending in `.onion` (addrv2 only). */
export const toAddrV2 = (a: AddrEntry): AddrV2Entry => {
  const v4 = net.isIPv4(a.host);
  const onion = a.host.endsWith('.onion');
  return {
    time: a.time,
    services: a.services,
    network: onion ? 'torv3' : v4 ? 'ipv4' : 'ipv6',
    networkId: onion ? AddrV2Network.torv3 : v4 ? AddrV2Network.ipv4 : AddrV2Network.ipv6,
    host: a.host,
    port: a.port,
  };
};

/** `items` in slices of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A match on the command, then on `predicate` if given. */
export const messageMatcher =
  <C extends string>(command: C, predicate?: (message: MessageFor<C>) => boolean) =>
  (message: Message): boolean =>
    message.command === command && (predicate === undefined || predicate(message as MessageFor<C>));

/** The last commands received, for the message of a wait that failed. */
export const summarise = (messages: readonly Message[]): string => {
  const commands = messages.map((m) => m.command);
  const shown = commands.slice(-20).join(', ');
  return `received ${commands.length} message(s)${commands.length > 0 ? `: ${commands.length > 20 ? '…, ' : ''}${shown}` : ''}`;
};

/** A magic that is not `network`'s. */
export function otherMagic(network: Network): Buffer {
  return network.name === 'mainnet' ? NETWORKS.testnet3.magic : NETWORKS.mainnet.magic;
}

/** 256 random bytes that never start with `magic`. */
export function garbage(magic: Buffer): Buffer {
  const bytes = randomBytes(256);
  // Random bytes start with the magic once in 2^32 tries; make "garbage" mean garbage every time.
  if (bytes.subarray(0, 4).equals(magic)) bytes[0] = (bytes[0]! + 1) & 0xff;
  return bytes;
}
