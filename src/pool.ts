// The pool with its real actors: peers over TCP (directly or through a proxy), the address book and
// the ban list, and an address-book actor that can ask the seeds.
import { type Actor, type ActorOptions, createActor } from 'xstate';
import { type PoolMachine, poolMachine } from '../machines/pool.js';
import type { PoolInput } from '../machines/pool/types.js';
import type { PeerMachine } from '../machines/peer.js';
import { AddressBook } from './address-book.js';
import { createAddressBookActor } from './actors/address-book.js';
import { BanList } from './addrman/bans.js';
import type { HostResolver } from './dns.js';
import { processNonces } from './nonces.js';
import { createPeerMachine } from './peer.js';
import { type ProxySettings, proxySettingsOf, reachableNetworks } from './proxy/config.js';
import { seedAddresses } from './seeds.js';

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
  /**
   * Ask seeds when the book has nothing to dial (at most every 5 minutes): `true` for the
   * network's DNS seeds, or seed names (`name` or `name:port`). With a proxy they are contacted by
   * name through it as address-fetch peers; otherwise they are resolved with `resolve`. Default:
   * no seeding, the book learns from ADD_ADDRESSES and from peers.
   */
  seeds?: boolean | readonly string[];
  /** Resolves the seeds when no proxy is set; default: the system resolver. */
  resolve?: HostResolver;
}

/** What createPool takes: the pool's input, and the proxies every peer uses (also settable in `peer`). */
export type CreatePoolInput = PoolInput & ProxySettings;

/** The pool machine with its real actors: peers over TCP, an in-memory address book and ban list. */
export function createPoolMachine(setup: PoolSetup & { input?: CreatePoolInput } = {}): PoolMachine {
  const proxies = setup.input ? proxySettingsOf(setup.input) : {};
  const { input, seeds, resolve } = setup;
  const peerMachine = setup.peerMachine ?? createPeerMachine();
  const seed =
    input && seeds
      ? (signal: AbortSignal) =>
          seedAddresses({
            network: input.network,
            seeds: seeds === true ? undefined : seeds,
            ...proxies,
            resolve,
            peer: input.peer,
            peerMachine,
            signal,
          }).then((r) => r.addresses)
      : undefined;
  return poolMachine.provide({
    actors: {
      peer: peerMachine,
      addressBook: createAddressBookActor({
        book: setup.book ?? new AddressBook(),
        bans: setup.bans ?? new BanList(),
        file: setup.file,
        banFile: setup.banFile,
        networks: reachableNetworks(proxies),
        seed,
      }),
    },
  });
}

/** A running pool. */
export type PoolActor = Actor<PoolMachine>;

/**
 * Creates a pool actor, not yet started, so listeners can be attached first. `proxy`,
 * `onionProxy` and `proxyRandomize` go to every peer; with a proxy that reaches Tor, `.onion`
 * addresses in the book are dialled too.
 */
export function createPool(input: CreatePoolInput, options: PoolSetup & Omit<ActorOptions<PoolMachine>, 'input'> = {}): PoolActor {
  const { book, file, bans, banFile, peerMachine, seeds, resolve, ...actorOptions } = options;
  const { proxy: _proxy, onionProxy: _onion, proxyRandomize: _randomize, ...poolInput } = input;
  return createActor(createPoolMachine({ book, file, bans, banFile, peerMachine, seeds, resolve, input }), {
    ...actorOptions,
    input: { ...poolInput, peer: { nonces: processNonces, ...input.peer, ...proxySettingsOf(input) } },
  });
}
