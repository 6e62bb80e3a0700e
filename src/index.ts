// The public API of btc-statechart: the peer statechart and its actors, and the sans-I/O codec.

export { listTransitions, type TransitionInfo, toMermaid } from '../machines/describe.js';
export { DEFAULT_BACKOFF, DEFAULTS as PEER_DEFAULTS, type PeerInput } from '../machines/peer/options.js';
export type {
  BackoffPolicy,
  CodecCommand,
  CodecInput,
  DisconnectPolicy,
  DisconnectReason,
  HeardAddress,
  LifecycleState,
  PeerContext,
  PeerEmitted,
  PeerEvent,
  PeerOptions,
  PeerOutput,
  PeerRole,
  RemoteInfo,
  SocketCommand,
  SocketInput,
  StopReason,
} from '../machines/peer/types.js';
// The peer statechart
export { lifecycleState, type PeerMachine, type PeerSnapshot, peerMachine } from '../machines/peer.js';
// The actors the machine invokes, for machine.provide({ actors })
export { frameCodec } from './actors/codec.js';
export { createTcpSocket, type TcpSocketOptions, tcpSocket } from './actors/socket.js';
export { createResolver, type HostResolver, type ResolverOptions } from './dns.js';
// The statechart inspectors: our own offline page, and the bridge to Stately's hosted UI
export {
  DEFAULT_INSPECTOR_HOST,
  DEFAULT_INSPECTOR_PORT,
  type Inspector,
  type InspectorOptions,
  type MachineDefinition,
  machineDefinition,
  STATELY_INSPECT_URL,
  type StatelyInspector,
  type StatelyInspectorOptions,
  startInspector,
  startStatelyInspector,
  summarise as summariseForInspector,
} from './inspector/index.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './package-info.js';
export { createPeer, createPeerMachine, type PeerActor, type StartPeerOptions, startPeer } from './peer.js';
// The codec
export {
  type DecodedFrame,
  decodeFrame,
  decodePayload,
  encodeMessage,
  encodePayload,
  frame,
  type OutgoingMessage,
} from './protocol/codec.js';
export { ProtocolError, type ProtocolErrorCode } from './protocol/errors.js';
export { type FrameEvent, Framer, type FramerOptions } from './protocol/framer.js';
export { hashToHex, hexToHash, sha256d } from './protocol/hash.js';
export { HEADER_SIZE } from './protocol/header.js';
export { messageToJson, stringifyJson } from './protocol/json.js';
export * from './protocol/limits.js';
export type { AddrEntry, AddrPayload } from './protocol/messages/addr.js';
export type { AddrNetwork, AddrV2Entry, AddrV2Payload } from './protocol/messages/addrv2.js';
export { type BlockHeader, blockHash, type HeadersPayload } from './protocol/messages/headers.js';
export {
  COMMANDS,
  type Command,
  isKnownMessage,
  type KnownMessage,
  type Message,
  type Payloads,
  type UnknownMessage,
} from './protocol/messages/index.js';
export { type InventoryPayload, type InvItem, InvType } from './protocol/messages/inventory.js';
export type { LocatorPayload } from './protocol/messages/locator.js';
export type { VersionPayload } from './protocol/messages/version.js';
export {
  NETWORKS,
  type Network,
  type NetworkName,
  networkByMagic,
  networkByName,
} from './protocol/networks.js';
