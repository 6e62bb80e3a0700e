// The pool's vocabulary: the peers it holds, what it asks the address book, what it tells.
import type { OutgoingMessage } from '../../src/protocol/codec.js';
import type { NetworkName } from '../../src/protocol/networks.js';
import type { LocalReason } from '../peer/disconnect.js';
import type { PeerInput } from '../peer/options.js';
import type { HeardAddress, LifecycleState, PeerEmitted, PeerOutput } from '../peer/types.js';
import type { PeerDoneEvent, SpawnedPeerEvent } from '../spawned-peers.js';

/** An address the book offers for a connection. */
export interface Candidate {
  host: string;
  port: number;
  /** The network group (IPv4 /16, IPv6 /32, …) used to spread connections: at most one connection per group. */
  group: string;
  /** The services the book knows of (gossiped, or announced when we last connected): NODE_P2P_V2 decides the transport. */
  services?: bigint;
}

/** The pool's resolved options. */
export interface PoolOptions {
  network: NetworkName;
  /** Outbound connections to keep; Core keeps 8 full-relay peers. */
  targetOutbound: number;
  /** How long a peer that misbehaved is not dialled again. */
  misbehaviourBanMs: number;
  /** How often to look for candidates while short of peers and the book had none. */
  refillIntervalMs: number;
  /** What every spawned peer gets, apart from its address. */
  peer: Omit<PeerInput, 'host' | 'port' | 'network'>;
}

/** What callers pass to start a pool: the network, and any option to override. */
export type PoolInput = Partial<Omit<PoolOptions, 'network'>> & { network: NetworkName };

/** A peer the pool holds, as the pool sees it. */
export interface PoolPeer {
  id: string;
  host: string;
  port: number;
  group: string;
  state: LifecycleState;
  connectedOnce: boolean;
  /** The services it announced in its `version`, once the handshake is done. */
  services: bigint | null;
}

/** The pool at a glance. */
export interface PoolStatus {
  peersByState: Record<LifecycleState, number>;
  bookSize: number;
  attempts: number;
  connections: number;
}

/** What the pool machine hears: the book's answers, its peers' events and ends, and commands. */
export type PoolEvent =
  | { type: 'book.selected'; candidates: Candidate[]; size: number }
  | { type: 'book.size'; size: number }
  | SpawnedPeerEvent
  | PeerDoneEvent
  | { type: 'ADD_ADDRESSES'; addresses: HeardAddress[]; source: string | null }
  /** Sends a message to one of the pool's peers (by the id its events carry). */
  | { type: 'SEND'; id: string; message: OutgoingMessage }
  /** Ends one peer: `misbehaving` bans its address, as a protocol violation does. */
  | { type: 'DISCONNECT'; id: string; reason: LocalReason }
  | { type: 'STOP' };

/** What the pool tells its embedder: its status, every event of every peer, and each peer's end. */
export type PoolEmitted =
  | { type: 'status'; status: PoolStatus }
  | { type: 'peer'; id: string; address: string; event: PeerEmitted }
  | { type: 'peer-stopped'; id: string; address: string; output: PeerOutput };

// ---- the address-book actor's contract (implemented in src/actors/address-book.ts) ----------

/** What the pool asks its address-book actor. */
export type AddressBookCommand =
  /** `gossip`: from the peer `source` ('host:port'), under Core's intake rules; `user`: the embedder's, unfiltered. */
  | { type: 'add'; addresses: HeardAddress[]; source: string | null; origin: 'gossip' | 'user' }
  | { type: 'select'; count: number; excludeKeys: string[]; excludeGroups: string[] }
  | { type: 'attempt'; host: string; port: number }
  /** The handshake completed; `getaddrSent`: the peer was asked for addresses, so its answer may be long. */
  | { type: 'success'; host: string; port: number; getaddrSent?: boolean; services?: bigint }
  | { type: 'failure'; host: string; port: number }
  | { type: 'ban'; host: string; port: number; durationMs: number }
  | { type: 'save' };

/** What the address-book actor starts with (nothing: it is built around a book). */
export type AddressBookInput = Record<string, never>;
