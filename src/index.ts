// The public API of btc-statechart: the peer statechart and its actors, the pool, the crawl, the
// inbound listener, the address book, the block fetcher and the broadcaster, and (re-exported from
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
export { DEFAULT_BACKOFF, DEFAULTS as PEER_DEFAULTS, type PeerInput } from '../machines/peer/options.js';
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
export { createPool, createPoolMachine, type PoolActor, type PoolSetup } from './pool.js';
export { type AddressBookActorOptions, createAddressBookActor } from './actors/address-book.js';
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
export { type CrawlActor, classifyTarget, createCrawl, createCrawlMachine } from './crawl.js';
// The inbound side
export { type Listener, type ListenerOptions, startListener } from './listener.js';
// The address book: Core's address manager, and bans
export {
  type AddFrom,
  type AddResult,
  AddressBook,
  type AddressBookOptions,
  type AddressRecord,
  type GetAddrOptions,
  type SelectOptions,
} from './address-book.js';
export { loadAddressBook, saveAddressBook } from './address-book-file.js';
export { type BanEntry, BanList, type BanListOptions, parseSubnet } from './addrman/bans.js';
export { loadBanList, saveBanList } from './ban-list-file.js';
export { type EvictionCandidate, selectNodeToEvict } from './addrman/eviction.js';
export { GetaddrCache } from './addrman/getaddr-cache.js';
export { AddrTokenBucket } from './addrman/token-bucket.js';
export { formatHost, formatHostPort } from './host-port.js';
export { createNonceRegistry, processNonces } from './nonces.js';
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
