// The sans-I/O codec as its own entry point (`btc-statechart/codec`): bytes in, typed messages out,
// and back. It loads no statechart library, no socket, no file: only what decoding needs.

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
export type { EmptyPayload } from './protocol/messages/empty.js';
export type { FeeFilterPayload } from './protocol/messages/feefilter.js';
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
export type { NoncePayload } from './protocol/messages/ping.js';
export type { RejectPayload } from './protocol/messages/reject.js';
export type { SendCmpctPayload } from './protocol/messages/sendcmpct.js';
export type { VersionPayload } from './protocol/messages/version.js';
export {
  NETWORKS,
  type Network,
  type NetworkName,
  networkByMagic,
  networkByName,
} from './protocol/networks.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './package-info.js';
