// The pool statechart with its real actors: peers over TCP, the address book and the ban list.
import { type Actor, type ActorOptions, createActor } from 'xstate';
import { type PoolMachine, poolMachine } from '../machines/pool.js';
import type { PoolInput } from '../machines/pool/types.js';
import type { PeerMachine } from '../machines/peer.js';
import { AddressBook } from './address-book.js';
import { createAddressBookActor } from './actors/address-book.js';
import { BanList } from './addrman/bans.js';
import { processNonces } from './nonces.js';
import { createPeerMachine } from './peer.js';

/** The pool's real actors and what they keep. */
export interface PoolSetup {
  /** The book to fill peers from; a new empty one by default. */
  book?: AddressBook;
  /** Where the book is saved when the pool stops. */
  file?: string;
  /** Addresses never dialled; misbehaving peers are added. A new empty list by default. */
  bans?: BanList;
  /** Where the ban list is saved when the pool stops. */
  banFile?: string;
  /** The peer machine to spawn, e.g. with swapped actors; defaults to createPeerMachine(). */
  peerMachine?: PeerMachine;
}

/** The pool machine with its real actors: peers over TCP and an in-memory address book and ban list. */
export function createPoolMachine(setup: PoolSetup = {}): PoolMachine {
  return poolMachine.provide({
    actors: {
      peer: setup.peerMachine ?? createPeerMachine(),
      addressBook: createAddressBookActor({
        book: setup.book ?? new AddressBook(),
        bans: setup.bans ?? new BanList(),
        file: setup.file,
        banFile: setup.banFile,
      }),
    },
  });
}

/** A running pool. */
export type PoolActor = Actor<PoolMachine>;

/** Creates a pool actor, not yet started, so listeners can be attached first. */
export function createPool(
  input: PoolInput,
  options: PoolSetup & Omit<ActorOptions<PoolMachine>, 'input'> = {},
): PoolActor {
  const { book, file, bans, banFile, peerMachine, ...actorOptions } = options;
  return createActor(createPoolMachine({ book, file, bans, banFile, peerMachine }), {
    ...actorOptions,
    input: { ...input, peer: { nonces: processNonces, ...input.peer } },
  });
}
