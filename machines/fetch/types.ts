// The block fetcher's vocabulary: its options, the peers and requests it keeps, what it hears and tells.
import type { BlockRejectReason } from '../../src/protocol/block-verify.js';
import type { ProtocolErrorCode } from '../../src/protocol/errors.js';
import type { Block } from '../../src/protocol/messages/block.js';
import type { NetworkName } from '../../src/protocol/networks.js';
import type { PeerLinkEvent } from '../peer-link.js';

/**
 * What the fetcher needs of a header chain (`HeaderChain` has it): the height of our best header,
 * and a header by its hash (wire order) with its height, or undefined when the chain lacks it.
 */
export interface ChainView {
  readonly height: number;
  get(hash: Uint8Array): { readonly height: number } | undefined;
}

/** The fetcher's resolved options. */
export interface FetchOptions {
  network: NetworkName;
  /** How long one peer has to answer a `getdata` before the block is asked of the next (`blockTimeout`). */
  blockTimeoutMs: number;
  /** How long a request may take in all, waiting for peers included (`requestTimeout`). */
  requestTimeoutMs: number;
  /** Peers asked for one block at most before the request fails. */
  maxAttempts: number;
  /** Blocks asked of one peer at once (Core's MAX_BLOCKS_IN_TRANSIT_PER_PEER). */
  maxInFlightPerPeer: number;
  /** Requests held at once; more are refused at once, so that callers cannot make memory grow. */
  maxPending: number;
  /**
   * Our header chain: a hash it does not hold is refused (its proof of work is unknown), the height
   * it gives decides whether segwit rules apply and which NODE_NETWORK_LIMITED peers may serve it.
   */
  chain: ChainView | null;
}

/** What callers pass: the network, and any option to override. */
export type FetchInput = Partial<Omit<FetchOptions, 'network'>> & { network: NetworkName };

/** A peer the fetcher may ask, as it knows it. */
export interface FetchPeer {
  id: string;
  address: string;
  services: bigint;
  startHeight: number;
  /** Keys of the requests this peer is answering now, oldest first (Core answers `getdata` in order). */
  inFlight: string[];
}

/** How one peer's attempt at a block ended. */
export type AttemptOutcome =
  /** No answer within `blockTimeout`. */
  | 'timeout'
  /** It answered `notfound`. */
  | 'notfound'
  /** Its block failed verification (`reason` says how); it was disconnected as misbehaving. */
  | 'invalid'
  /** It sent a `block` that does not decode; it was disconnected as misbehaving. */
  | 'undecodable'
  /** The `block` it sent failed its checksum: damaged on the way, not blamed. */
  | 'corrupted'
  /** It sent another block than the one it was asked for. */
  | 'wrong-block'
  /** Its connection ended before it answered. */
  | 'disconnected';

/** One peer's attempt at one block. */
export interface Attempt {
  peer: string;
  address: string;
  outcome: AttemptOutcome;
  /** For `invalid`, the rule the block broke; for `undecodable` and `corrupted`, the codec's code. */
  reason?: BlockRejectReason | ProtocolErrorCode;
}

/** Why a request ended without a block. */
export type FetchFailure =
  /** No peer delivered a valid block within `requestTimeout`. */
  | 'timeout'
  /** `maxAttempts` peers were asked and none delivered. */
  | 'attempts-exhausted'
  /** A chain was given and does not hold this header. */
  | 'not-in-chain'
  /** `maxPending` requests were already held. */
  | 'too-many-requests'
  /** The fetcher was stopped first. */
  | 'stopped';

/** One block asked for, as the fetcher keeps it. */
export interface BlockRequest {
  /** The hash in RPC (display) order: the key of the request, and what events name. */
  key: string;
  /** The hash in wire order. */
  hash: Buffer;
  /** Its height in our chain, when a chain is given. */
  height: number | null;
  /** The peer answering it now, if any. */
  peer: string | null;
  /** Every peer asked so far, in order. */
  asked: string[];
  /** What each failed attempt came to. */
  attempts: Attempt[];
}

/** What the fetcher machine hears: requests, its peers' news, its timers, and STOP. */
export type FetchEvent =
  /** Fetch the block with this hash (wire order). Asking again for a block being fetched joins that request. */
  | { type: 'GET_BLOCK'; hash: Buffer }
  | Extract<PeerLinkEvent, { type: 'peer.ready' | 'peer.gone' | 'peer.block' | 'peer.notfound' | 'peer.undecodable' }>
  | { type: 'fetch.blockTimeout'; key: string; peer: string }
  | { type: 'fetch.requestTimeout'; key: string }
  | { type: 'STOP' };

/** What the fetcher tells its embedder. */
export type FetchEmitted =
  /** A `getdata` for the block went to a peer. */
  | { type: 'requested'; key: string; peer: string; address: string; attempt: number }
  /** A peer's attempt failed; the request goes on with the next one. */
  | ({ type: 'attempt-failed'; key: string } & Attempt)
  /** The block arrived and passed verification. */
  | { type: 'block'; key: string; block: Block; peer: string; address: string }
  /** The request ended without a block. */
  | { type: 'failed'; key: string; reason: FetchFailure; attempts: Attempt[] };

/** The link events the fetcher reads. */
export const FETCH_WANTS = ['peer.ready', 'peer.gone', 'peer.block', 'peer.notfound', 'peer.undecodable'] as const;
