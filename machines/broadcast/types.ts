// The broadcaster's vocabulary: its options, the peers and transactions it keeps, what it hears and tells.
import type { Transaction } from '../../src/protocol/messages/tx.js';
import type { PeerLinkEvent } from '../peer-link.js';

/** The broadcaster's resolved options. */
export interface BroadcastOptions {
  /** Time between announcements to peers that have not asked for the transaction yet (`reannounceInterval`). */
  reannounceIntervalMs: number;
  /** How long a transaction may take to propagate before it is given up on (`broadcastTimeout`). */
  timeoutMs: number;
  /**
   * Peers kept out of the first announcement, to watch for the transaction coming back from the
   * network: a node never announces a transaction to the peer it heard it from, so only a peer we
   * did not tell can show that it travelled. Used only when at least one other peer is told.
   */
  observers: number;
  /** Transactions kept at once; more are refused, so that callers cannot make memory grow. */
  maxTransactions: number;
}

/** What callers pass: any option to override. */
export type BroadcastInput = Partial<BroadcastOptions>;

/** A peer the broadcaster may tell, as it knows it. */
export interface RelayPeer {
  id: string;
  address: string;
  /** BIP339 was negotiated: announce by wtxid (`MSG_WTX`). */
  wtxidRelay: boolean;
  /** Its `version` asked for transactions; a peer that said no must not be sent any. */
  relay: boolean;
  /** BIP133: satoshis per 1000 virtual bytes below which it wants no announcement (0: none). */
  feeFilter: bigint;
}

/** Where a transaction's broadcast stands. */
export type BroadcastStatus =
  /** Announced, or waiting for a first peer, and not yet seen coming back. */
  | 'pending'
  /** A peer we did not tell announced it to us. */
  | 'propagated'
  /** `broadcastTimeout` passed first; it is still served to peers that ask. */
  | 'expired';

/** One transaction being broadcast, as the broadcaster keeps it. */
export interface BroadcastRecord {
  /** The txid in RPC order: the key of the record, and what events name. */
  key: string;
  tx: Transaction;
  /** The bytes without witnesses, for a peer that asks with `MSG_TX` (Core serves those). */
  stripped: Buffer;
  /** The fee in satoshis, when the caller knows it: then feefilters are respected. */
  fee: bigint | null;
  status: BroadcastStatus;
  /** Peers it was announced to (ids), in order. */
  announcedTo: string[];
  /** Peers held back to watch for it. */
  observers: string[];
  /** Peers whose feefilter is above its fee rate: never told. */
  filteredBy: string[];
  /** Peers that asked for it (ids), in order. */
  requestedBy: string[];
  /** The peer that announced it back, once propagated. */
  propagatedBy: string | null;
  /** Announcement rounds so far. */
  rounds: number;
}

/** A peer as events name it. */
export interface PeerRef {
  peer: string;
  address: string;
}

/** What the broadcaster machine hears: transactions to send, its peers' news, its timers, and STOP. */
export type BroadcastEvent =
  /** Broadcast a decoded transaction; `fee` (satoshis) lets peers' feefilters be respected. */
  | { type: 'BROADCAST'; tx: Transaction; fee?: bigint }
  /** Stop serving a transaction and forget it (by txid, wire order). */
  | { type: 'FORGET'; txid: Buffer }
  | Extract<PeerLinkEvent, { type: 'peer.ready' | 'peer.gone' | 'peer.inv' | 'peer.getdata' | 'peer.feefilter' | 'peer.reject' }>
  | { type: 'broadcast.reannounce'; key: string }
  | { type: 'broadcast.timeout'; key: string }
  | { type: 'STOP' };

/** What the broadcaster tells its embedder; every event names the transaction by its txid (RPC order). */
export type BroadcastEmitted =
  /** An `inv` went to these peers (`inv`: by wtxid or txid), in announcement round `round`. */
  | { type: 'announced'; key: string; round: number; peers: (PeerRef & { inv: 'wtx' | 'tx' })[] }
  /** These peers are kept back, not told: when one announces the transaction to us, it has travelled. */
  | { type: 'watching'; key: string; peers: PeerRef[] }
  /** A peer's feefilter is above the transaction's fee rate: it is not told. */
  | ({ type: 'filtered'; key: string; feeFilter: bigint } & PeerRef)
  /**
   * A peer asked for it (it is considering it) and was sent it. `observable`: a peer that was not
   * told is connected, so propagation can still be seen.
   */
  | ({ type: 'requested'; key: string; witness: boolean; observable: boolean } & PeerRef)
  /**
   * A peer said with a BIP61 `reject` that it refused it (`code`, `reason`: bcoin's words, e.g.
   * `insufficient fee`). Core sends none: a Core peer that refuses it stays silent.
   */
  | ({ type: 'rejected'; key: string; code: number; reason: string } & PeerRef)
  /** A peer we did not tell announced it to us: it travelled. */
  | ({ type: 'propagated'; key: string } & PeerRef)
  /** `broadcastTimeout` passed before it propagated. */
  | { type: 'expired'; key: string; announcedTo: number; requestedBy: number }
  /** Not taken: `maxTransactions` are already kept. */
  | { type: 'refused'; key: string; reason: 'too-many-transactions' };

/** The link events the broadcaster reads. */
export const BROADCAST_WANTS = ['peer.ready', 'peer.gone', 'peer.inv', 'peer.getdata', 'peer.feefilter', 'peer.reject'] as const;
