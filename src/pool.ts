import { type Actor, type ActorOptions, createActor } from 'xstate';
import { type PoolMachine, poolMachine } from '../machines/pool.js';
import type { PoolInput } from '../machines/pool/types.js';
import type { PeerMachine } from '../machines/peer.js';
import { AddressBook } from './address-book.js';
import { createAddressBookActor } from './actors/address-book.js';
import { processNonces } from './nonces.js';
import { createPeerMachine } from './peer.js';

/** What a pool is built with: its address book, where to save it, and the peer machine to spawn. */
export interface PoolSetup {
  /** The book to fill peers from; a new empty one by default. */
  book?: AddressBook;
  /** Where the book is saved when the pool stops. */
  file?: string;
  /** The peer machine to spawn, e.g. with swapped actors; defaults to createPeerMachine(). */
  peerMachine?: PeerMachine;
}

/** The pool machine with its real actors: peers over TCP and an in-memory address book. */
export function createPoolMachine(setup: PoolSetup = {}): PoolMachine {
  return poolMachine.provide({
    actors: {
      peer: setup.peerMachine ?? createPeerMachine(),
      addressBook: createAddressBookActor({ book: setup.book ?? new AddressBook(), file: setup.file }),
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
  const { book, file, peerMachine, ...actorOptions } = options;
  return createActor(createPoolMachine({ book, file, peerMachine }), {
    ...actorOptions,
    input: { ...input, peer: { nonces: processNonces, ...input.peer } },
  });
}
