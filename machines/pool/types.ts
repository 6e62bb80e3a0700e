// The pool's vocabulary: the peers it holds, what it asks the address book, what it tells.
import type { NetworkName } from '../../src/protocol/networks.js';
import type { PeerInput } from '../peer/options.js';
import type { DisconnectReason, HeardAddress, LifecycleState, PeerEmitted, PeerOutput } from '../peer/types.js';

/** An address the book offers for a connection. */
export interface Candidate {
  host: string;
  port: number;
  /** The network group (IPv4 /16, IPv6 /32, …) used to spread connections: at most one connection per group. */
  group: string;
}

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

export type PoolInput = Partial<Omit<PoolOptions, 'network'>> & { network: NetworkName };

export interface PoolPeer {
  id: string;
  host: string;
  port: number;
  group: string;
  state: LifecycleState;
  connectedOnce: boolean;
}

export interface PoolStatus {
  peersByState: Record<LifecycleState, number>;
  bookSize: number;
  attempts: number;
  connections: number;
}

export type PoolEvent =
  | { type: 'book.selected'; candidates: Candidate[]; size: number }
  | { type: 'book.size'; size: number }
  | { type: 'peer.state'; id: string; event: Extract<PeerEmitted, { type: 'state' }> }
  | { type: 'peer.addresses'; id: string; event: Extract<PeerEmitted, { type: 'addresses' }> }
  | { type: 'peer.other'; id: string; event: PeerEmitted }
  | { type: `xstate.done.actor.${string}`; actorId: string; output: PeerOutput }
  | { type: 'ADD_ADDRESSES'; addresses: HeardAddress[]; source: string | null }
  | { type: 'STOP' };

export type PoolEmitted =
  | { type: 'status'; status: PoolStatus }
  | { type: 'peer'; id: string; address: string; event: PeerEmitted }
  | { type: 'peer-stopped'; id: string; address: string; output: PeerOutput };

/** Disconnects that mean the peer misbehaved: it is not dialled again for a while. */
export const MISBEHAVIOUR: ReadonlySet<DisconnectReason> = new Set([
  'framing-error',
  'protocol-violation',
  'self-connection',
]);

// ---- the address-book actor's contract (implemented in src/actors/address-book.ts) ----------

export type AddressBookCommand =
  /** `gossip`: from the peer `source` ('host:port'), under Core's intake rules; `user`: the embedder's, unfiltered. */
  | { type: 'add'; addresses: HeardAddress[]; source: string | null; origin: 'gossip' | 'user' }
  | { type: 'select'; count: number; excludeKeys: string[]; excludeGroups: string[] }
  | { type: 'attempt'; host: string; port: number }
  /** The handshake completed; `getaddrSent`: the peer was asked for addresses, so its answer may be long. */
  | { type: 'success'; host: string; port: number; getaddrSent?: boolean }
  | { type: 'failure'; host: string; port: number }
  | { type: 'ban'; host: string; port: number; durationMs: number }
  | { type: 'save' };

export type AddressBookInput = Record<string, never>;
