// Pure builders for what the peer machine says; no I/O, so the machine stays readable and testable.
import { formatHostPort } from '../../src/host-port.js';
import type { OutgoingMessage } from '../../src/protocol/codec.js';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import { type AddrV2Entry, AddrV2Network, type KnownAddrNetwork } from '../../src/protocol/messages/addrv2.js';
import { MAX_ADDR_TO_SEND, Services } from '../../src/protocol/limits.js';
import { parseIPv4, parseIPv6 } from '../../src/protocol/messages/ip.js';
import type { VersionPayload } from '../../src/protocol/messages/version.js';
import type { HeardAddress, PayloadEvent, PeerContext, PeerMessageEvent, RemoteInfo, UnknownPayloadEvent } from './types.js';

const UNSPECIFIED = { services: 0n, host: '::', port: 0 };

/**
 * A nonce for `version` or `ping` from a cryptographic source, never 0: Core ignores a pong of
 * nonce 0, and a guessable version nonce would let a peer fake a self-connection.
 */
export function cryptoNonce(): bigint {
  for (;;) {
    if (nextNonce === NONCE_POOL) {
      globalThis.crypto.getRandomValues(noncePool);
      nextNonce = 0;
    }
    const nonce = noncePool[nextNonce++]!;
    if (nonce !== 0n) return nonce;
  }
}

// One call to the system's generator per 256 nonces: a call per ping cost a tenth of a ping round.
const NONCE_POOL = 256;
const noncePool = new BigUint64Array(NONCE_POOL);
let nextNonce = NONCE_POOL;

/** Our `version` for this connection: our options, the address we dialled, and this attempt's nonce. */
export function versionMessage(context: PeerContext): OutgoingMessage {
  const { options } = context;
  return {
    command: 'version',
    payload: {
      version: options.protocolVersion,
      // We announce NODE_P2P_V2 when we speak v2, as Core does with -v2transport.
      services: options.transport === 'v1' ? options.services : options.services | Services.P2P_V2,
      timestamp: BigInt(Math.floor(Date.now() / 1000)),
      // Like Core, we tell the peer the address we dialled, and nothing about ourselves.
      receiver: { services: 0n, host: ipOrUnspecified(options.host), port: options.port },
      sender: UNSPECIFIED,
      nonce: context.nonce,
      userAgent: options.userAgent,
      startHeight: options.startHeight,
      relay: options.relay,
    },
  };
}

const ipOrUnspecified = (host: string): string => {
  const bare = host.replace(/^\[|\]$/g, '');
  return parseIPv4(bare) || parseIPv6(bare) ? bare : '::';
};

// Core fills the address fields of its version with zeros when it has nothing to say.
const isUnspecified = (host: string): boolean => host === '::' || host === '0.0.0.0';

/** What the peer's `version` told us, with the transport and session it came over. */
export function remoteInfo(v: VersionPayload, transport: 'v1' | 'v2', sessionId: string | null): RemoteInfo {
  return {
    version: v.version,
    services: v.services,
    userAgent: v.userAgent,
    startHeight: v.startHeight,
    relay: v.relay ?? true,
    nonce: v.nonce,
    timestamp: v.timestamp,
    addressSeen: isUnspecified(v.receiver.host) && v.receiver.port === 0 ? null : formatHostPort(v.receiver.host, v.receiver.port),
    wantsAddrV2: false,
    wtxidRelay: false,
    transport,
    sessionId,
  };
}

/** The entries of an `addr` message as heard addresses (IPv4 or IPv6 by the host's form). */
export function heardFromAddr(entries: AddrEntry[]): HeardAddress[] {
  return entries.map((a) => ({
    network: a.host.includes(':') ? 'ipv6' : 'ipv4',
    host: a.host,
    port: a.port,
    services: a.services,
    time: a.time,
  }));
}

/** The entries of an `addrv2` message (BIP155) as heard addresses. */
export function heardFromAddrV2(entries: AddrV2Entry[]): HeardAddress[] {
  return entries.map((a) => ({
    network: a.network,
    host: a.host,
    port: a.port,
    services: a.services,
    time: a.time,
  }));
}

/** Our answer to `getaddr`: `addrv2` for peers that asked for it (BIP155), else IPv4/IPv6 in `addr`. */
export function addressesMessage(addresses: HeardAddress[], wantsAddrV2: boolean): OutgoingMessage {
  const shared = addresses.slice(0, MAX_ADDR_TO_SEND);
  if (wantsAddrV2) {
    return {
      command: 'addrv2',
      payload: {
        addresses: shared
          .filter((a) => a.network !== 'unknown')
          .map((a) => ({
            time: a.time,
            services: a.services,
            network: a.network,
            networkId: AddrV2Network[a.network as KnownAddrNetwork],
            host: a.host,
            port: a.port,
          })),
      },
    };
  }
  return {
    command: 'addr',
    payload: {
      addresses: shared
        .filter((a) => a.network === 'ipv4' || a.network === 'ipv6')
        .map((a) => ({ time: a.time, services: a.services, host: a.host, port: a.port })),
    },
  };
}

/**
 * The `message` event for a message in or out. The one place where the codec's shapes meet the
 * emitted union: a known command keeps its typed payload, anything else is bytes and `unknown`.
 */
export function messageEvent(direction: 'in' | 'out', message: OutgoingMessage): PeerMessageEvent {
  if ('unknown' in message) {
    return { type: 'message', direction, command: 'unknown', name: message.command, payload: message.payload };
  }
  // Named fields, not a spread of the message: a third of the cost, once per message of a flood.
  return { type: 'message', direction, command: message.command, payload: message.payload } as PeerMessageEvent;
}

/** The message a `payload.<command>` event carries. */
export function payloadMessage(event: PayloadEvent | UnknownPayloadEvent): OutgoingMessage {
  if (event.type === 'payload.unknown') return { command: event.command, payload: event.payload, unknown: true };
  return { command: event.type.slice('payload.'.length), payload: event.payload } as OutgoingMessage;
}

/** The wire command of a `message` event: its `name` for a command the codec does not decode. */
export const messageName = (m: PeerMessageEvent): string => (m.command === 'unknown' ? m.name : m.command);
