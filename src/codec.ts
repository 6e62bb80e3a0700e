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
export { blockToJson, messageToJson, stringifyJson, transactionToJson } from './protocol/json.js';
export * from './protocol/limits.js';
export type { AddrEntry, AddrPayload } from './protocol/messages/addr.js';
export type { AddrNetwork, AddrV2Entry, AddrV2Payload } from './protocol/messages/addrv2.js';
export type { EmptyPayload } from './protocol/messages/empty.js';
export type { FeeFilterPayload } from './protocol/messages/feefilter.js';
export { type BlockHeader, blockHash, type HeadersPayload, HeadersList } from './protocol/messages/headers.js';
export {
  COMMANDS,
  type Command,
  isKnownMessage,
  type KnownMessage,
  type Message,
  type Payloads,
  type UnknownMessage,
} from './protocol/messages/index.js';
export { InventoryList, type InventoryPayload, type InvItem, InvType } from './protocol/messages/inventory.js';
export type { LocatorPayload } from './protocol/messages/locator.js';
export type { NoncePayload } from './protocol/messages/ping.js';
export type { RejectPayload } from './protocol/messages/reject.js';
export type { SendCmpctPayload } from './protocol/messages/sendcmpct.js';
export type { VersionPayload } from './protocol/messages/version.js';
// Transactions and blocks: decoded with their hashes computed once from the bytes read, and verified
export { type Block, type BlockData, blockFromData, serializeBlock } from './protocol/messages/block.js';
export {
  isCoinbase,
  isNullPrevout,
  type OutPoint,
  serializeTransaction,
  type Transaction,
  type TransactionData,
  transactionFromData,
  type TxInput,
  type TxOutput,
} from './protocol/messages/tx.js';
export {
  type BlockRejectReason,
  type BlockVerification,
  type VerifyBlockOptions,
  verifyBlock,
  witnessCommitmentIndex,
} from './protocol/block-verify.js';
export { checkTransaction, strippedSizeOf, type TransactionRejectReason } from './protocol/tx-check.js';
export { computeMerkleRoot, type MerkleRoot, transactionMerkleRoot, witnessMerkleRoot } from './protocol/merkle.js';
export * from './protocol/consensus.js';
// The encrypted v2 transport (BIP324), sans-I/O
export * from './protocol/v2/index.js';
export {
  NETWORKS,
  type Network,
  type NetworkName,
  networkByMagic,
  networkByName,
} from './protocol/networks.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './package-info.js';
