// The public API of btc-statechart: the peer statechart and its actors, proxies, seeds, the pool,
// the crawl, the inbound listener and the address book, the header chain and its store, the
// headers-first sync, the node, the block fetcher and the broadcaster, and (re-exported from
// `btc-statechart/codec`) the codec.
// The inspectors are in `btc-statechart/inspector`, so that embedding a peer loads no web server.

// The codec, also importable alone from 'btc-statechart/codec'
export * from './codec.js';
// Reading a machine's own definition
export { describeStates, listTransitions, type StateDescription, type TransitionInfo, toMermaid } from '../machines/describe.js';
// The peer statechart
export { lifecycleState, type PeerMachine, type PeerSnapshot, peerMachine } from '../machines/peer.js';
export { messageName } from '../machines/peer/messages.js';
export {
  DISCONNECT_REASONS,
  type DisconnectMeaning,
  type DisconnectOrigin,
  type DisconnectReason,
  disconnectText,
  isMisbehaviour,
  isTransient,
  type LocalReason,
  type ProtocolReason,
  type TransportReason,
} from '../machines/peer/disconnect.js';
export { DEFAULT_BACKOFF, DEFAULTS as PEER_DEFAULTS, type PeerInput, PROXY_CONNECT_TIMEOUT_MS } from '../machines/peer/options.js';
export type {
  BackoffPolicy,
  CodecCommand,
  CodecInput,
  DisconnectPolicy,
  DisconnectRecord,
  FrameSink,
  HeardAddress,
  LifecycleState,
  NonceRegistry,
  PeerContext,
  PeerEmitted,
  PeerEvent,
  PeerMessageEvent,
  PeerOptions,
  PeerOutput,
  PeerRole,
  RemoteInfo,
  Rtt,
  SocketCommand,
  SocketInput,
  StopReason,
} from '../machines/peer/types.js';
export { createPeer, createPeerMachine, type PeerActor, type StartPeerOptions, startPeer, toPromise } from './peer.js';
// The actors the peer machine invokes, for machine.provide({ actors })
export { frameCodec } from './actors/codec.js';
export { createTcpSocket, type TcpSocketOptions, tcpSocket } from './actors/socket.js';
export { createResolver, type HostResolver, type ResolverOptions } from './dns.js';
// Proxies: SOCKS5 and Tor
export {
  parseProxyUrl,
  ProxyConfigError,
  type ProxyEndpoint,
  type ProxySettings,
  reachableNetworks,
  type Route,
  routeFor,
} from './proxy/config.js';
export { readSocksReplies, type SocksReading, SOCKS5_REPLIES, type SocksReplyMeaning } from './proxy/socks-reply.js';
export { type ProxyCredentials, randomCredentials } from './actors/socks.js';
// Seeds: resolved, or asked through a proxy as address-fetch peers
export {
  type AddressFetchContext,
  type AddressFetchEmitted,
  type AddressFetchEvent,
  type AddressFetchInput,
  type AddressFetchMachine,
  addressFetchMachine,
  type AddressFetchOptions,
  type AddressFetchResult,
  type AddressFetchSnapshot,
  type SeedOutcome,
  type SeedTarget,
} from '../machines/address-fetch.js';
export {
  type AddressFetchActor,
  type AddressFetchSetup,
  createAddressFetch,
  createAddressFetchMachine,
  fetchAddresses,
} from './address-fetch.js';
export { seedAddresses, type SeedingOptions, type SeedingResult, seedTargets } from './seeds.js';
// Many peers: the pool
export { type PoolContext, type PoolMachine, type PoolSnapshot, poolMachine, poolStatus } from '../machines/pool.js';
export type {
  AddressBookCommand,
  AddressBookInput,
  Candidate,
  PoolEmitted,
  PoolEvent,
  PoolInput,
  PoolOptions,
  PoolPeer,
  PoolStatus,
} from '../machines/pool/types.js';
export { type CreatePoolInput, createPool, createPoolMachine, type PoolActor, type PoolSetup } from './pool.js';
export { type AddressBookActorOptions, createAddressBookActor, DEFAULT_RESEED_AFTER_MS } from './actors/address-book.js';
// The crawl
export { type CrawlContext, type CrawlMachine, type CrawlSnapshot, crawlMachine, targetKey } from '../machines/crawl.js';
export type {
  CrawlEmitted,
  CrawlEvent,
  CrawlInput,
  CrawlOptions,
  CrawlSummary,
  CrawlTarget,
  NodeRecord,
} from '../machines/crawl/types.js';
export { type CrawlActor, classifyTarget, createCrawl, createCrawlMachine, type CreateCrawlInput } from './crawl.js';
// The inbound side
export { type Listener, type ListenerOptions, startListener } from './listener.js';
// The address book: Core's address manager, and bans
export {
  type AddFrom,
  type AddResult,
  AddressBook,
  type AddressBookOptions,
  type AddressRecord,
  DIRECT_NETWORKS,
  type GetAddrOptions,
  type SelectOptions,
} from './address-book.js';
export { loadAddressBook, saveAddressBook } from './address-book-file.js';
export { type BanEntry, BanList, type BanListOptions, parseSubnet } from './addrman/bans.js';
export { loadBanList, saveBanList } from './ban-list-file.js';
export { type EvictionCandidate, selectNodeToEvict } from './addrman/eviction.js';
export { GetaddrCache } from './addrman/getaddr-cache.js';
export { AddrTokenBucket } from './addrman/token-bucket.js';
export type { StoredNetwork } from './addrman/netaddr.js';
export { formatHost, formatHostPort } from './host-port.js';
export { createNonceRegistry, processNonces } from './nonces.js';
// The header chain and its store
export {
  type AcceptOptions,
  type AcceptResult,
  type BlockRef,
  HeaderChain,
  type HeaderChainOptions,
  type HeaderInfo,
  type TipChange,
} from './chain/chain.js';
export { ChainError, type ChainErrorCode, isChainError } from './chain/errors.js';
export { CHAIN_PARAMS, chainParams, type ChainParams, MAX_TIP_AGE } from './chain/params.js';
export { headerBytesOf, headerHash, headersToBytes, headerToBytes } from './chain/header.js';
export { type DataDirEnvironment, defaultDataDir } from './chain/data-dir.js';
export { HeaderStore, type HeaderStoreOptions, type LoadReport, StoreError, type StoreErrorCode, type SyncPolicy } from './chain/store.js';
export { StoreLockedError } from './chain/lock.js';
export {
  HeadersSync,
  type HeadersSyncOptions,
  type HeadersSyncPhase,
  type HeadersSyncStats,
  type SyncNext,
  type SyncStep,
} from './chain/headers-sync.js';
// The headers-first sync
export { SYNC_DEFAULTS, type SyncMachine, type SyncSnapshot, syncMachine } from '../machines/sync.js';
export type {
  BlockSummary,
  ChainCommand,
  ChainEvent,
  ChainInput,
  HeadersVerdict,
  RefusedHeader,
  SyncContext,
  SyncEmitted,
  SyncEvent,
  SyncFailure,
  SyncInput,
  SyncOptions,
  SyncOutput,
  SyncPeer,
  SyncPeerEvent,
  SyncPeerStatus,
  SyncStats,
  TipInfo,
  TipMove,
} from '../machines/sync/types.js';
export { type CreateSyncOptions, createSync, createSyncMachine, type SyncActor } from './sync.js';
export { type ChainActorOptions, createChainActor } from './actors/chain.js';
export { createFixedPeersActor, type FixedPeer, type FixedPeersOptions } from './actors/fixed-peers.js';
// The node: a pool and the sync over a header store
export {
  type BitcoinNode,
  createNode,
  type NodeActorOptions,
  NodeError,
  type NodeErrorCode,
  type NodeEvent,
  type NodeOptions,
  parsePeer,
  wireSyncToPool,
} from './node.js';
// Moving value: fetching verified blocks and broadcasting transactions through a pool's peers
export {
  type PeerLinkCommand,
  type PeerLinkEvent,
  type PeerLinkEventType,
  type PeerLinkInput,
  toPeerLinkEvent,
} from '../machines/peer-link.js';
export { linkToPeers, linkToPool, type PeerLink } from './peer-link.js';
export { FETCH_DEFAULTS, type FetchContext, type FetchMachine, type FetchSnapshot, fetchMachine } from '../machines/fetch.js';
export type {
  Attempt,
  AttemptOutcome,
  BlockRequest,
  ChainView,
  FetchEmitted,
  FetchEvent,
  FetchFailure,
  FetchInput,
  FetchOptions,
  FetchPeer,
} from '../machines/fetch/types.js';
export { canServe, NODE_NETWORK_LIMITED_MIN_BLOCKS, SEGWIT_HEIGHT, segwitActiveAt } from '../machines/fetch/policy.js';
export {
  BlockFetchError,
  type BlockFetcher,
  type BlockFetchFailure,
  createFetchMachine,
  type PeerSource,
  startBlockFetcher,
} from './fetch.js';
export {
  BROADCAST_DEFAULTS,
  type BroadcastContext,
  type BroadcastMachine,
  type BroadcastSnapshot,
  broadcastMachine,
} from '../machines/broadcast.js';
export type {
  BroadcastEmitted,
  BroadcastEvent,
  BroadcastInput,
  BroadcastOptions,
  BroadcastRecord,
  BroadcastStatus,
  PeerRef,
  RelayPeer,
} from '../machines/broadcast/types.js';
export { feeForRate } from '../machines/broadcast/relay.js';
export {
  type Broadcaster,
  type BroadcastResult,
  createBroadcastMachine,
  parseTransaction,
  startBroadcaster,
  TransactionRefusedError,
  type TransactionRefusal,
} from './broadcast.js';
