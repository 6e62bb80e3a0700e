// The sync statechart's vocabulary: its options, what it knows of each peer, what it hears and tells, and the chain actor's contract.
import type { ChainErrorCode } from '../../src/chain/errors.js';
import type { HeadersSyncPhase } from '../../src/chain/headers-sync.js';
import type { OutgoingMessage } from '../../src/protocol/codec.js';

/** A header as the sync reports it: height, hash (hex, in the order Core's RPC shows it) and time (seconds). */
export interface TipInfo {
  readonly height: number;
  readonly hash: string;
  readonly time: number;
}

/** A header named in a reorg: height and hash (RPC hex). */
export interface BlockSummary {
  readonly height: number;
  readonly hash: string;
}

/** The sync's resolved options. */
export interface SyncOptions {
  /**
   * How long a `getheaders` may go unanswered before the sync asks another peer (or, once
   * following the tip, asks the same peer again on its next announcement). Core waits
   * `HEADERS_RESPONSE_TIME`, two minutes, before it sends a peer another `getheaders`.
   */
  requestTimeoutMs: number;
}

/** What callers pass to start a sync: any option to override. */
export type SyncInput = Partial<SyncOptions>;

/**
 * Where a peer stands with the sync:
 * - `idle`: not asked yet;
 * - `caught-up`: said it has nothing more for us (or only headers we cannot use yet);
 * - `stalled`: left a request unanswered within `requestTimeoutMs`;
 * - `misbehaved`: sent headers the chain refuses; asked to be disconnected, never asked again.
 */
export type SyncPeerStatus = 'idle' | 'caught-up' | 'stalled' | 'misbehaved';

/** A peer as the sync sees it: ready since its handshake, until it is gone. */
export interface SyncPeer {
  readonly id: string;
  /** The height its `version` announced (a claim, used only to choose whom to ask first). */
  readonly startHeight: number;
  /** Its protocol version: `sendheaders` needs 70012. */
  readonly version: number;
  readonly status: SyncPeerStatus;
  /** It announced a block (`headers` or `inv`) we did not follow yet: worth asking again. */
  readonly announced: boolean;
  /** A `getheaders` to it is unanswered (at most one at a time, as Core). */
  readonly inFlight: boolean;
  /** It got our `sendheaders` and a `getheaders` from our tip once we had caught up. */
  readonly greeted: boolean;
}

/** Counts, for progress displays and tests. */
export interface SyncStats {
  /** `getheaders` sent. */
  requests: number;
  /** Headers received in `headers` messages. */
  received: number;
  /** Headers the chain stored. */
  added: number;
  /** Requests that went unanswered within requestTimeoutMs. */
  stalls: number;
  /** Peers asked to be disconnected for invalid headers. */
  misbehaving: number;
}

/** Why the sync could not go on: the store could not be opened or written. */
export interface SyncFailure {
  /** `store-locked`, a StoreError code (`wrong-network`, `not-a-header-store`, …) or `io-error`. */
  readonly code: string;
  readonly message: string;
}

/** What the sync machine remembers. */
export interface SyncContext {
  options: SyncOptions;
  peers: Record<string, SyncPeer>;
  /** The peer the initial sync downloads from, one at a time as Core does; null when none. */
  syncPeer: string | null;
  /** Our best header once the store is loaded. */
  tip: TipInfo | null;
  /** The best height a peer announced in its handshake, or our own if higher: the progress goal. */
  bestPeerHeight: number;
  /** The chain's own verdict at its last report: best header within a day and enough work. */
  chainSynced: boolean;
  /** `synced` was emitted (it is emitted once). */
  syncedEmitted: boolean;
  stats: SyncStats;
  failure: SyncFailure | null;
}

// ---- the chain actor's contract (implemented in src/actors/chain.ts) ------------------------

/** What the sync asks its chain actor. Every command is answered at once, in order. */
export type ChainCommand =
  /** A locator from our best header for a first `getheaders` to this peer: answered by `chain.request`. */
  | { type: 'start'; id: string }
  /** One `headers` message of this peer (raw 80-byte headers): answered by `chain.headers`. */
  | { type: 'headers'; id: string; headers: readonly Uint8Array[] }
  /** Block hashes this peer announced in an `inv`: answered by `chain.announced`. */
  | { type: 'announce'; id: string; hashes: readonly Uint8Array[] }
  /** The peer is gone: its headers sync state is dropped. */
  | { type: 'forget'; id: string };

/** What the chain actor starts with (nothing: it is built around its options). */
export type ChainInput = Record<string, never>;

/** The active chain moved: a plain extension, or a reorg with the headers that left and joined it. */
export interface TipMove {
  readonly from: TipInfo;
  readonly reorg: boolean;
  /** Height of the last header both chains share. */
  readonly forkHeight: number;
  /** Headers that left the active chain, old tip first (empty for an extension). */
  readonly disconnected: readonly BlockSummary[];
  /** Headers that joined it, in height order; listed for reorgs only (an extension is `from` → the tip). */
  readonly connected: readonly BlockSummary[];
}

/** Why the chain refused a header. */
export interface RefusedHeader {
  readonly code: ChainErrorCode;
  readonly message: string;
  /** Whether the sender misbehaved (Core's `Misbehaving`): not for a header too far in the future. */
  readonly misbehaviour: boolean;
}

/** The chain actor's verdict on one `headers` message. */
export interface HeadersVerdict {
  /** `getheaders`: ask this peer again with `locator`; `caught-up`: it has nothing more for us; `misbehaving`: drop it. */
  readonly next: 'getheaders' | 'caught-up' | 'misbehaving';
  readonly locator: readonly Buffer[] | null;
  readonly error: RefusedHeader | null;
  readonly received: number;
  readonly added: number;
  readonly duplicates: number;
  /** Where the headers sync with this peer is: presync and redownload keep a low-work chain out of the store. */
  readonly phase: HeadersSyncPhase;
  readonly tip: TipInfo;
  readonly move: TipMove | null;
  /** The chain's best header is within a day of now and has the network's minimum chain work. */
  readonly synced: boolean;
}

/** What the chain actor tells the sync. */
export type ChainEvent =
  | { type: 'chain.loaded'; tip: TipInfo; synced: boolean; records: number; warnings: readonly string[] }
  | { type: 'chain.failed'; failure: SyncFailure }
  | { type: 'chain.request'; id: string; locator: readonly Buffer[] }
  | { type: 'chain.headers'; id: string; verdict: HeadersVerdict }
  /** How many of the announced blocks are unknown, and a locator from our best header to ask for them. */
  | { type: 'chain.announced'; id: string; unknown: number; locator: readonly Buffer[] };

// ---- what the sync hears and tells ---------------------------------------------------------

/** What the embedder tells the sync about its peers (the node wires a pool's events to these). */
export type SyncPeerEvent =
  /** A peer finished its handshake; `startHeight` and `version` from its `version` message. */
  | { type: 'PEER_READY'; id: string; startHeight: number; version: number }
  /** A `headers` message from a peer, as raw 80-byte headers. */
  | { type: 'PEER_HEADERS'; id: string; headers: readonly Uint8Array[] }
  /** The block hashes of an `inv` from a peer (other inventory left out). */
  | { type: 'PEER_INV'; id: string; hashes: readonly Uint8Array[] }
  /** The peer is gone (disconnected, stopped, banned). */
  | { type: 'PEER_GONE'; id: string };

/** Every event the sync machine hears. */
export type SyncEvent =
  | SyncPeerEvent
  | ChainEvent
  /** A request to this peer went unanswered within requestTimeoutMs (raised by the machine itself). */
  | { type: 'sync.requestExpired'; id: string }
  | { type: 'STOP' };

/** What the sync tells its embedder. */
export type SyncEmitted =
  /** Send this message to that peer (the node passes it to the pool as `SEND`). */
  | { type: 'send'; id: string; message: OutgoingMessage }
  /** End that peer: its headers were invalid (the pool bans it). */
  | { type: 'disconnect'; id: string; reason: 'misbehaving'; error: RefusedHeader }
  /** The store is open: its tip, how many headers it held, warnings (a cut file). */
  | { type: 'loaded'; tip: TipInfo; records: number; warnings: readonly string[] }
  /** Our best header changed (also once after loading). */
  | ({ type: 'tip' } & TipInfo)
  /** The best chain switched branches. */
  | { type: 'reorg'; tip: TipInfo; forkHeight: number; disconnected: readonly BlockSummary[]; connected: readonly BlockSummary[] }
  /** No peer has more headers for us, as far as we know: the sync now follows announcements. */
  | { type: 'caught-up'; tip: TipInfo }
  /** Once per run: caught up with a best header within a day and with the network's minimum chain work. */
  | { type: 'synced'; tip: TipInfo }
  /** The store failed: the sync has ended. */
  | { type: 'failed'; failure: SyncFailure };

/** Why the sync ended, and where the chain stood. */
export interface SyncOutput {
  readonly reason: 'stopped' | 'failed';
  readonly tip: TipInfo | null;
  readonly failure: SyncFailure | null;
  readonly stats: SyncStats;
}
