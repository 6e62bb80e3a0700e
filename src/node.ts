// The node: a pool of peers, the headers-first sync over a header store on disk, and, over the same
// peers, the block fetcher and the broadcaster.
import { isIP } from 'node:net';
import { type ActorOptions, createActor, toPromise } from 'xstate';
import type { PeerInput } from '../machines/peer/options.js';
import type { PeerEmitted, PeerMessageEvent } from '../machines/peer/types.js';
import type { PeerMachine } from '../machines/peer.js';
import { type PoolMachine, poolMachine } from '../machines/pool.js';
import type { PoolInput } from '../machines/pool/types.js';
import type { SyncEmitted, SyncInput, SyncPeerEvent, TipInfo } from '../machines/sync/types.js';
import type { AddressBook } from './address-book.js';
import { createFixedPeersActor, type FixedPeer } from './actors/fixed-peers.js';
import { BanList } from './addrman/bans.js';
import type { HeaderInfo } from './chain/chain.js';
import { defaultDataDir } from './chain/data-dir.js';
import { headerBytesOf } from './chain/header.js';
import type { HeadersSyncOptions } from './chain/headers-sync.js';
import type { ChainParams } from './chain/params.js';
import type { HeaderStore, SyncPolicy } from './chain/store.js';
import { createResolver, type HostResolver } from './dns.js';
import { type Broadcaster, type BroadcastResult, startBroadcaster } from './broadcast.js';
import { type BlockFetcher, startBlockFetcher } from './fetch.js';
import { parseHostPort } from './host-port.js';
import type { Block } from './protocol/messages/block.js';
import type { Transaction } from './protocol/messages/tx.js';
import { createPeerMachine } from './peer.js';
import { proxySettingsOf, resolvesThroughProxy } from './proxy/config.js';
import { createPoolMachine, type PoolActor } from './pool.js';
import { processNonces } from './nonces.js';
import { Services } from './protocol/limits.js';
import { InvType, MSG_WITNESS_FLAG } from './protocol/messages/inventory.js';
import { NETWORKS, type NetworkName } from './protocol/networks.js';
import { createSync, type SyncActor } from './sync.js';

/** How to build a node. Only `network` is needed; the rest has Core's defaults or the network's. */
export interface NodeOptions {
  readonly network: NetworkName;
  /** Where the header store lives; `defaultDataDir(network)` by default. */
  readonly dataDir?: string;
  /**
   * Only these peers (`'host'`, `'host:port'`, `'[v6]:port'` or `{ host, port }`), dialled again
   * when they drop; nothing gossiped is dialled. Without it, the pool keeps `targetOutbound`
   * peers from an address book that asks the network's DNS seeds when it has nothing to dial.
   */
  readonly peers?: readonly (string | { host: string; port?: number })[];
  /** Outbound peers to keep: 8 (Core's) from the book, or every named peer. */
  readonly targetOutbound?: number;
  /** How long a peer that sent invalid headers (or broke the protocol) is not dialled again; 24 h. */
  readonly misbehaviourBanMs?: number;
  /** What every peer announces and how long it waits (timeouts, user agent). */
  readonly peer?: Omit<PeerInput, 'host' | 'port' | 'network'>;
  /** The sync's options (`requestTimeoutMs`). */
  readonly sync?: SyncInput;
  /** Replaces the network's consensus parameters (tests: a minimum chain work on regtest). */
  readonly params?: ChainParams;
  /** Our clock in seconds, for validation and `synced`; the system clock by default. */
  readonly now?: () => number;
  /** Options of every peer's headers sync (Core's by default). */
  readonly headersSync?: Omit<HeadersSyncOptions, 'now'>;
  /** When appended headers are forced to the disk (see HeaderStore). */
  readonly flush?: SyncPolicy;
  /** The address book to fill peers from, when no peers are named; a new one by default. */
  readonly book?: AddressBook;
  /** Where the book is saved when the node stops. */
  readonly bookFile?: string;
  /** Bans (misbehaving peers are added); a new list by default. */
  readonly bans?: BanList;
  /** Where the bans are saved when the node stops (only with an address book). */
  readonly banFile?: string;
  /** Resolves DNS seeds and named hosts (unless `peer.proxy` is set: names then go to the proxy); the system resolver by default. */
  readonly resolve?: HostResolver;
  /** The peer machine to spawn (tests: swapped actors). */
  readonly peerMachine?: PeerMachine;
}

/** XState's options for both of the node's actors: `inspect` shows the pool, its peers and the sync. */
export type NodeActorOptions = Pick<ActorOptions<PoolMachine>, 'inspect' | 'clock' | 'logger'>;

/** What the node tells its embedder (the sync's events, see SyncEmitted). */
export type NodeEvent = Extract<SyncEmitted, { type: 'loaded' | 'tip' | 'reorg' | 'caught-up' | 'synced' | 'failed' }>;

/** Why a node could not start. */
export type NodeErrorCode = 'already-started' | 'not-started' | 'no-peers' | 'store-locked' | 'io-error' | (string & {});

/** A node that cannot start: its store is locked or unreadable, or it has no peer to ask. */
export class NodeError extends Error {
  override readonly name = 'NodeError';
  constructor(
    readonly code: NodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A pool of peers and the sync over one header store. One start, one stop. */
export interface BitcoinNode {
  readonly network: NetworkName;
  /** The folder of the header store. */
  readonly dataDir: string;
  /** The sync actor (created with the node, started by `start`). */
  readonly sync: SyncActor;
  /** The pool actor, once started. */
  readonly pool: PoolActor | null;
  /**
   * Opens the store (its lock, its headers read back and validated), then starts the pool.
   * Resolves with the stored tip; rejects with a NodeError when the store cannot be opened or
   * none of the named peers resolves (the store is closed again).
   */
  start(): Promise<TipInfo>;
  /** Stops the pool and the sync: every peer disconnected, the store flushed and closed, its lock released. */
  stop(): Promise<void>;
  /** Our best header, once the store is loaded (it stays readable after `stop`). */
  readonly tip: HeaderInfo | null;
  /** A stored header by hash (wire-order bytes or RPC hex, any branch) or by height (active chain). */
  header(hashOrHeight: Uint8Array | string | number): HeaderInfo | undefined;
  /** A stored header's 80 bytes, while the store is open. */
  headerBytes(hashOrHeight: Uint8Array | string | number): Buffer | undefined;
  /** Core's block locator from our best header: what a `getheaders` carries. */
  locator(): Buffer[];
  /** Whether `synced` was emitted: caught up with a recent best header that has enough work. */
  readonly synced: boolean;
  /**
   * A block by hash (RPC hex or wire-order bytes), fetched from a peer that can serve it and
   * verified against its header and our chain (see BlockFetcher). Rejects with a BlockFetchError,
   * or a NodeError before `start`.
   */
  getBlock(hash: string | Uint8Array): Promise<Block>;
  /**
   * Announces a transaction to the node's peers until another peer announces it back
   * (`propagated`) or the broadcaster's timeout passes (see Broadcaster). Rejects with a
   * TransactionRefusedError for a transaction that fails to decode or check, before anything is
   * sent; with a NodeError before `start`.
   */
  broadcast(tx: string | Uint8Array | Transaction, options?: { fee?: bigint }): Promise<BroadcastResult>;
  /** The block fetcher and the broadcaster, once started: their actors tell every step. */
  readonly fetcher: BlockFetcher | null;
  readonly broadcaster: Broadcaster | null;
  /** Listens to one of the node's events; returns a function that stops listening. */
  on<T extends NodeEvent['type']>(type: T, listener: (event: Extract<NodeEvent, { type: T }>) => void): () => void;
}


/**
 * What the pool hears from its peers, as the sync's events, and what the sync asks, as the pool's
 * commands. Other capabilities (fetching a verified block, broadcasting a transaction) plug in the
 * same way: listen to `pool.on('peer')` for their messages and send through `pool.send({ type: 'SEND' })`.
 */
export function wireSyncToPool(pool: PoolActor, sync: SyncActor): void {
  pool.on('peer', ({ id, event }) => {
    const message = toSyncEvent(id, event);
    if (message) tell(sync, message);
  });
  pool.on('peer-stopped', ({ id }) => tell(sync, { type: 'PEER_GONE', id }));
  sync.on('send', ({ id, message }) => tell(pool, { type: 'SEND', id, message }));
  sync.on('disconnect', ({ id }) => tell(pool, { type: 'DISCONNECT', id, reason: 'misbehaving' }));
}

/** Sends to an actor that is still running: one that has ended (a stopping node) has nothing to do with it. */
function tell<E>(actor: { send(event: E): void; getSnapshot(): { status: string } }, event: E): void {
  if (actor.getSnapshot().status === 'active') actor.send(event);
}

function toSyncEvent(id: string, event: PeerEmitted): SyncPeerEvent | null {
  if (event.type === 'handshake') return { type: 'PEER_READY', id, startHeight: event.remote.startHeight, version: event.remote.version };
  return event.type === 'message' && event.direction === 'in' ? fromMessage(id, event) : null;
}

function fromMessage(id: string, event: PeerMessageEvent): SyncPeerEvent | null {
  if (event.command === 'headers') return { type: 'PEER_HEADERS', id, headers: headerBytesOf(event.payload) };
  if (event.command === 'inv') {
    // Core announces blocks as MSG_BLOCK; the witness flag may be set by others.
    const hashes = event.payload.items.filter((item) => (item.type & ~MSG_WITNESS_FLAG) === InvType.BLOCK).map((item) => item.hash);
    return hashes.length > 0 ? { type: 'PEER_INV', id, hashes } : null;
  }
  return null;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address, with the network's port by default. */
export function parsePeer(peer: string | { host: string; port?: number }, defaultPort: number): FixedPeer {
  if (typeof peer !== 'string') return { host: peer.host, port: peer.port ?? defaultPort };
  const parsed = parseHostPort(peer, defaultPort);
  if (!parsed) throw new RangeError(`peer ${JSON.stringify(peer)} is not host[:port] with a port from 1 to 65535`);
  return parsed;
}

/** A host name to its addresses (an IP literal as it is); none when it does not resolve. */
async function addressesOf(host: string, resolve: HostResolver): Promise<string[]> {
  if (isIP(host)) return [host];
  return resolve(host).catch(() => []);
}

/**
 * A node: the headers-first sync over the header store in `dataDir`, fed by a pool of peers (the
 * named ones only, or the network's DNS seeds). Nothing runs until `start()`.
 */
export function createNode(options: NodeOptions, actorOptions: NodeActorOptions = {}): BitcoinNode {
  const network = NETWORKS[options.network];
  const named = options.peers?.map((p) => parsePeer(p, network.defaultPort)) ?? null;
  if (named?.length === 0) throw new RangeError('peers is empty: name at least one, or leave it out to use the DNS seeds');
  if (!named && network.dnsSeeds.length === 0) {
    throw new RangeError(`${network.name} has no DNS seeds: name a peer, e.g. peers: ['127.0.0.1:${network.defaultPort}']`);
  }
  const dataDir = options.dataDir ?? defaultDataDir(options.network);
  const resolve = options.resolve ?? createResolver();
  let store: HeaderStore | null = null;
  let chain: HeaderStore['chain'] | null = null;
  const sync = createSync(options.sync ?? {}, {
    network: options.network,
    dataDir,
    params: options.params,
    now: options.now,
    headersSync: options.headersSync,
    flush: options.flush,
    onStore: (open) => {
      store = open;
      if (open) chain = open.chain;
    },
    ...actorOptions,
  });
  let pool: PoolActor | null = null;
  let fetcher: BlockFetcher | null = null;
  let broadcaster: Broadcaster | null = null;
  let started = false;
  let stopping: Promise<void> | null = null;

  const buildPool = (tipHeight: number, peers: readonly FixedPeer[] | null): PoolActor => {
    const bans = options.bans ?? new BanList();
    const peerMachine = options.peerMachine ?? createPeerMachine();
    const input: PoolInput = {
      network: options.network,
      targetOutbound: options.targetOutbound ?? (peers ? peers.length : 8),
      ...(options.misbehaviourBanMs === undefined ? {} : { misbehaviourBanMs: options.misbehaviourBanMs }),
      // Named peers are all we dial: asking them for addresses would only cost them work. We relay
      // transactions (so that a broadcast can see its transaction come back from another peer) and
      // understand witness serialisation, as Core does.
      peer: {
        nonces: processNonces,
        startHeight: tipHeight,
        getaddr: !peers,
        relay: true,
        services: Services.WITNESS,
        ...options.peer,
      },
    };
    // Without named peers the pool's book asks the network's DNS seeds whenever it has nothing to dial.
    const machine: PoolMachine = peers
      ? poolMachine.provide({ actors: { peer: peerMachine, addressBook: createFixedPeersActor({ peers, bans }) } })
      : createPoolMachine({ book: options.book, file: options.bookFile, bans, banFile: options.banFile, peerMachine, seeds: true, resolve, input });
    return createActor(machine, { ...actorOptions, input });
  };

  /**
   * The named peers, host names resolved here (first address each) so that a ban names an
   * address; through a proxy names stay names, for the proxy to resolve (nothing leaks to our DNS).
   */
  const namedAddresses = async (peers: readonly FixedPeer[]): Promise<FixedPeer[]> => {
    if (resolvesThroughProxy(proxySettingsOf({ peer: options.peer }))) return [...peers];
    const resolved = await Promise.all(peers.map(async (p) => ({ host: (await addressesOf(p.host, resolve))[0] ?? '', port: p.port })));
    return resolved.filter((p) => p.host !== '');
  };

  const node: BitcoinNode = {
    network: options.network,
    dataDir,
    sync,
    get pool() {
      return pool;
    },
    async start() {
      if (started || stopping) throw new NodeError('already-started', 'a node starts once; create another to start again');
      started = true;
      // The chain actor opens the store as the sync starts: `loaded` or the end comes before start() returns.
      const opened: { tip: TipInfo | null } = { tip: null };
      const listening = sync.on('loaded', ({ tip }) => (opened.tip = tip));
      sync.start();
      listening.unsubscribe();
      const tip = opened.tip;
      if (!tip) {
        const { failure } = await toPromise(sync);
        throw new NodeError(failure?.code ?? 'io-error', failure?.message ?? 'the header store could not be opened');
      }
      const fixed = named ? await namedAddresses(named) : null;
      if (fixed?.length === 0) {
        tell(sync, { type: 'STOP' });
        throw new NodeError('no-peers', 'none of the named peers resolved to an address');
      }
      if (stopping) return tip;
      pool = buildPool(tip.height, fixed);
      wireSyncToPool(pool, sync);
      // Blocks are checked against our chain as it stands when each arrives.
      fetcher = startBlockFetcher({ network: options.network, chain: chain ?? undefined }, { pool, ...actorOptions });
      broadcaster = startBroadcaster({}, { pool, ...actorOptions });
      // Without a store to write to, the sync has ended: peers would only be kept for nothing.
      const running = pool;
      sync.subscribe({ complete: () => tell(running, { type: 'STOP' }) });
      pool.start();
      return tip;
    },
    stop() {
      stopping ??= (async () => {
        if (!started) return;
        fetcher?.stop();
        broadcaster?.stop();
        tell(sync, { type: 'STOP' });
        if (pool) tell(pool, { type: 'STOP' });
        await Promise.all([toPromise(sync), pool ? toPromise(pool) : null]);
      })();
      return stopping;
    },
    get tip() {
      return chain?.tip ?? null;
    },
    get fetcher() {
      return fetcher;
    },
    get broadcaster() {
      return broadcaster;
    },
    getBlock: (hash) =>
      fetcher ? fetcher.getBlock(hash) : Promise.reject(new NodeError('not-started', 'start the node before asking it for blocks')),
    broadcast: (tx, broadcastOptions) =>
      broadcaster
        ? broadcaster.broadcast(tx, broadcastOptions)
        : Promise.reject(new NodeError('not-started', 'start the node before broadcasting')),
    header: (hashOrHeight) => chain?.get(hashOrHeight),
    headerBytes: (hashOrHeight) => (store && !store.closed ? store.read(hashOrHeight) : undefined),
    locator: () => chain?.locator() ?? [],
    get synced() {
      return sync.getSnapshot().context.syncedEmitted;
    },
    on(type, listener) {
      const subscription = sync.on(type, listener as never);
      return () => subscription.unsubscribe();
    },
  };
  return node;
}
