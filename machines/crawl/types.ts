// The crawl's vocabulary: what it visits, what it records, what it tells.
import type { AddrNetwork } from '../../src/protocol/messages/addrv2.js';
import type { NetworkName } from '../../src/protocol/networks.js';
import type { PeerInput } from '../peer/options.js';
import type { HeardAddress, RemoteInfo } from '../peer/types.js';
import type { PeerDoneEvent, SpawnedPeerEvent } from '../spawned-peers.js';

/** An address the crawl may dial: network, host and port. */
export interface CrawlTarget {
  network: AddrNetwork;
  host: string;
  port: number;
  /** The services gossip claims for it; NODE_P2P_V2 among them makes the crawl dial it in v2. */
  services?: bigint;
}

/** One line of the crawl's output: a node heard of, reached or not. */
export interface NodeRecord {
  address: string;
  port: number;
  network: AddrNetwork;
  reachable: boolean;
  version?: number;
  /** Decimal string: services are 64-bit. */
  services?: string;
  userAgent?: string;
  startHeight?: number;
  rttMs?: number | null;
  addressesGiven?: number;
  /** The transport the connection spoke (`v1`, or `v2` for BIP324). */
  transport?: 'v1' | 'v2';
  /** Why an unreachable node was not reached: a disconnect reason, or why it was not tried. */
  error?: string;
  time: string;
}

/** The crawl's resolved options. */
export interface CrawlOptions {
  network: NetworkName;
  /** Connections at once. */
  concurrency: number;
  /** Nodes recorded at most (tried or not); addresses heard after that are ignored. */
  maxNodes: number;
  /** How long to wait for `addr` after the handshake. */
  addrTimeoutMs: number;
  /** Follow loopback and private addresses: only when the crawl started from one. */
  followLocal: boolean;
  /** What every peer gets, apart from its address (timeouts, user agent). */
  peer: Omit<PeerInput, 'host' | 'port' | 'network'>;
  /** Classifies an address: whether the crawl may dial it, or why not. */
  classify: (target: CrawlTarget, followLocal: boolean) => 'dial' | 'not-routable' | 'unsupported-network';
  /** Wall clock for record times. */
  clock: () => number;
}

/** What callers pass to start a crawl: the network, where to start, and any option to override. */
export type CrawlInput = Partial<Omit<CrawlOptions, 'network' | 'classify'>> &
  Pick<CrawlOptions, 'network' | 'classify'> & { start: CrawlTarget[] };

/** A node the crawl is dialling now, with what it has learnt of it so far. */
export interface ActiveNode {
  target: CrawlTarget;
  remote: RemoteInfo | null;
  rttMs: number | null;
  addressesGiven: number;
}

/** What a crawl found, in counts: its output. */
export interface CrawlSummary {
  heard: number;
  reachable: number;
  unreachable: Record<string, number>;
  userAgents: Record<string, number>;
  versions: Record<string, number>;
  interrupted: boolean;
}

/** What the crawl machine hears: its peers' events, its own timers, and STOP. */
export type CrawlEvent =
  | Extract<SpawnedPeerEvent, { type: 'peer.handshake' | 'peer.rtt' | 'peer.addresses' }>
  | { type: 'crawl.addrTimeout'; id: string }
  | PeerDoneEvent
  | { type: 'STOP' };

/** What the crawl tells its embedder: a `node` record per node, and `progress`. */
export type CrawlEmitted =
  | { type: 'node'; record: NodeRecord }
  | { type: 'progress'; done: number; active: number; queued: number; heard: number };

export type { HeardAddress };
