// The contract between a machine that works through other machines' peers (the block fetcher, the
// broadcaster) and whatever holds those peers (a pool, a set of peers): what it hears, what it asks.
// No I/O here: the link is an invoked actor supplied by name (src/peer-link.ts has the real ones).
import { fromCallback } from 'xstate';
import type { OutgoingMessage } from '../src/protocol/codec.js';
import type { ProtocolErrorCode } from '../src/protocol/errors.js';
import type { Block } from '../src/protocol/messages/block.js';
import type { InvItem } from '../src/protocol/messages/inventory.js';
import type { Transaction } from '../src/protocol/messages/tx.js';
import type { LocalReason } from './peer/disconnect.js';
import type { PeerEmitted, RemoteInfo } from './peer/types.js';

/**
 * What a linked machine hears about the peers it may use, each naming the peer by the id the
 * holder gives it (the pool's `peer-3`): one event per fact, so that charts read as the protocol.
 */
export type PeerLinkEvent =
  /** The handshake is done: the peer can be asked for things. */
  | { type: 'peer.ready'; id: string; address: string; remote: RemoteInfo }
  /** The connection ended (the peer may come back under the same id with a new `peer.ready`). */
  | { type: 'peer.gone'; id: string }
  | { type: 'peer.block'; id: string; block: Block }
  | { type: 'peer.tx'; id: string; tx: Transaction }
  | { type: 'peer.inv'; id: string; items: readonly InvItem[] }
  | { type: 'peer.getdata'; id: string; items: readonly InvItem[] }
  | { type: 'peer.notfound'; id: string; items: readonly InvItem[] }
  /** BIP133: the lowest fee rate the peer wants announced, satoshis per 1000 virtual bytes. */
  | { type: 'peer.feefilter'; id: string; feeRate: bigint }
  /** BIP61 (retired by Core, still sent by bcoin and older nodes): the peer refused a message of ours. */
  | { type: 'peer.reject'; id: string; message: string; code: number; reason: string; hash: Buffer | null }
  /** A `block` or `tx` arrived that did not decode (`bad-checksum`: it did not even arrive intact). */
  | { type: 'peer.undecodable'; id: string; command: 'block' | 'tx'; code: ProtocolErrorCode; message: string };

/** The kinds of PeerLinkEvent, for a machine to say which ones it wants. */
export type PeerLinkEventType = PeerLinkEvent['type'];

/** What a linked machine asks of the peers' holder: the pool's own `SEND` and `DISCONNECT`. */
export type PeerLinkCommand =
  | { type: 'SEND'; id: string; message: OutgoingMessage }
  /** Ends the peer; `misbehaving` gets its address banned where the holder keeps bans (the pool does). */
  | { type: 'DISCONNECT'; id: string; reason: LocalReason };

/** What the link actor starts with: the events its machine wants (the others are never sent). */
export interface PeerLinkInput {
  wants: readonly PeerLinkEventType[];
}

/**
 * The event a peer's emitted event means for a linked machine, or null when it means nothing to
 * one: a handshake, the end of a connection, and the messages in that fetching and relaying read.
 */
export function toPeerLinkEvent(id: string, address: string, event: PeerEmitted): PeerLinkEvent | null {
  switch (event.type) {
    case 'handshake':
      return { type: 'peer.ready', id, address, remote: event.remote };
    case 'disconnect':
      return { type: 'peer.gone', id };
    case 'dropped': {
      const { command, code, message } = event.error;
      return command === 'block' || command === 'tx' ? { type: 'peer.undecodable', id, command, code, message } : null;
    }
    case 'message':
      if (event.direction !== 'in') return null;
      switch (event.command) {
        case 'block':
          return { type: 'peer.block', id, block: event.payload };
        case 'tx':
          return { type: 'peer.tx', id, tx: event.payload };
        case 'inv':
          return { type: 'peer.inv', id, items: event.payload.items };
        case 'getdata':
          return { type: 'peer.getdata', id, items: event.payload.items };
        case 'notfound':
          return { type: 'peer.notfound', id, items: event.payload.items };
        case 'feefilter':
          return { type: 'peer.feefilter', id, feeRate: event.payload.feeRate };
        case 'reject': {
          const { message, code, reason, hash } = event.payload;
          return { type: 'peer.reject', id, message, code, reason, hash: hash ?? null };
        }
        default:
          return null;
      }
    default:
      return null;
  }
}

/** The link actor as a linked machine declares it: it throws until provided (src/peer-link.ts). */
export const unprovidedPeerLink = fromCallback<PeerLinkCommand, PeerLinkInput>(() => {
  throw new Error("this machine needs a 'peers' actor: provide one with linkToPool() or linkToPeers()");
});
