// An address source for the pool that offers only the peers the user named: no gossip, no DNS seeds.
import { fromCallback } from 'xstate';
import type { AddressBookCommand, AddressBookInput, PoolEvent } from '../../machines/pool/types.js';
import type { BanList } from '../addrman/bans.js';
import { formatHostPort } from '../host-port.js';
import { banHost } from './address-book.js';

/** A peer the user named, by address. */
export interface FixedPeer {
  readonly host: string;
  readonly port: number;
}

/** What the fixed address source offers and keeps. */
export interface FixedPeersOptions {
  readonly peers: readonly FixedPeer[];
  /** Peers never offered: the pool bans misbehaving ones here. */
  readonly bans: BanList;
  /**
   * How long after offering a peer it may be offered again, so that a peer that is down is
   * redialled now and then, not at every refill of the pool. Default 5000 ms.
   */
  readonly retryMs?: number;
  /** Milliseconds since the epoch; Date.now by default. */
  readonly now?: () => number;
}

/**
 * The pool's address-book actor for `bitcoin-node sync 127.0.0.1:18444` and `createNode({ peers })`:
 * it offers the named peers and nothing else. Addresses peers gossip are ignored, so the pool
 * never dials anyone the user did not name; each peer counts as a network group of its own, so
 * several peers on one host all connect; a banned peer is never offered.
 */
export const createFixedPeersActor = ({ peers, bans, retryMs = 5000, now = Date.now }: FixedPeersOptions) =>
  fromCallback<AddressBookCommand, AddressBookInput>(({ sendBack, receive }) => {
    const reply = (event: PoolEvent): void => sendBack(event);
    const known = new Map(peers.map((p) => [formatHostPort(p.host, p.port), p] as const));
    const offeredAt = new Map<string, number>();
    receive((command) => {
      switch (command.type) {
        case 'select': {
          const exclude = new Set(command.excludeKeys);
          const candidates = [];
          for (const [key, peer] of known) {
            if (candidates.length >= command.count) break;
            if (exclude.has(key) || bans.isBanned(peer.host)) continue;
            const last = offeredAt.get(key);
            if (last !== undefined && now() - last < retryMs) continue;
            offeredAt.set(key, now());
            candidates.push({ host: peer.host, port: peer.port, group: key });
          }
          reply({ type: 'book.selected', candidates, size: known.size });
          return;
        }
        case 'add':
          // The user's own additions join the list; what peers gossip never does.
          if (command.origin === 'user') {
            for (const a of command.addresses) known.set(formatHostPort(a.host, a.port), { host: a.host, port: a.port });
          }
          reply({ type: 'book.size', size: known.size });
          return;
        case 'ban':
          banHost(bans, command.host, command.durationMs);
          return;
        default:
          return;
      }
    });
  });
