import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { type AddrPayload, decodeAddr, encodeAddr } from './addr.js';
import { type AddrV2Payload, decodeAddrV2, encodeAddrV2 } from './addrv2.js';
import { type Block, decodeBlock, encodeBlock } from './block.js';
import { decodeEmpty, type EmptyPayload, encodeEmpty } from './empty.js';
import { decodeFeeFilter, encodeFeeFilter, type FeeFilterPayload } from './feefilter.js';
import { decodeHeaders, encodeHeaders, type HeadersPayload } from './headers.js';
import { decodeInventory, encodeInventory, type InventoryPayload } from './inventory.js';
import { decodeLocator, encodeLocator, type LocatorPayload } from './locator.js';
import { decodeNonce, encodeNonce, type NoncePayload } from './ping.js';
import { decodeReject, encodeReject, type RejectPayload } from './reject.js';
import { decodeSendCmpct, encodeSendCmpct, type SendCmpctPayload } from './sendcmpct.js';
import { decodeTx, encodeTx, type Transaction } from './tx.js';
import { decodeVersion, encodeVersion, type VersionPayload } from './version.js';

/** Every command the codec understands, and the type of its payload. */
export interface Payloads {
  version: VersionPayload;
  verack: EmptyPayload;
  ping: NoncePayload;
  pong: NoncePayload;
  getaddr: EmptyPayload;
  addr: AddrPayload;
  addrv2: AddrV2Payload;
  sendaddrv2: EmptyPayload;
  wtxidrelay: EmptyPayload;
  sendheaders: EmptyPayload;
  sendcmpct: SendCmpctPayload;
  feefilter: FeeFilterPayload;
  inv: InventoryPayload;
  getdata: InventoryPayload;
  notfound: InventoryPayload;
  getheaders: LocatorPayload;
  getblocks: LocatorPayload;
  headers: HeadersPayload;
  mempool: EmptyPayload;
  reject: RejectPayload;
  tx: Transaction;
  block: Block;
}

/** A command the codec decodes. */
export type Command = keyof Payloads;

/** A message the codec decodes, its payload typed by its command. */
export type KnownMessage = { [K in Command]: { command: K; payload: Payloads[K] } }[Command];

/** A well-formed message whose command we do not decode (cmpctblock, getcfilters, ...): delivered as bytes. */
export interface UnknownMessage {
  command: string;
  payload: Buffer;
  unknown: true;
}

/** Any decoded message: known, or unknown (bytes). */
export type Message = KnownMessage | UnknownMessage;

interface PayloadCodec<P> {
  decode(r: Reader): P;
  encode(w: Writer, p: P): void;
}

const codec = <P>(decode: (r: Reader) => P, encode: (w: Writer, p: P) => void): PayloadCodec<P> => ({
  decode,
  encode,
});

const empty = codec(decodeEmpty, encodeEmpty);
const nonce = codec(decodeNonce, encodeNonce);
const inventory = codec(decodeInventory, encodeInventory);
const locator = codec(decodeLocator, encodeLocator);

export const PAYLOAD_CODECS: { readonly [K in Command]: PayloadCodec<Payloads[K]> } = {
  version: codec(decodeVersion, encodeVersion),
  verack: empty,
  ping: nonce,
  pong: nonce,
  getaddr: empty,
  addr: codec(decodeAddr, encodeAddr),
  addrv2: codec(decodeAddrV2, encodeAddrV2),
  sendaddrv2: empty,
  wtxidrelay: empty,
  sendheaders: empty,
  sendcmpct: codec(decodeSendCmpct, encodeSendCmpct),
  feefilter: codec(decodeFeeFilter, encodeFeeFilter),
  inv: inventory,
  getdata: inventory,
  notfound: inventory,
  getheaders: locator,
  getblocks: locator,
  headers: codec(decodeHeaders, encodeHeaders),
  mempool: empty,
  reject: codec(decodeReject, encodeReject),
  tx: codec(decodeTx, encodeTx),
  block: codec(decodeBlock, encodeBlock),
};

/** Every command the codec decodes. */
export const COMMANDS = Object.keys(PAYLOAD_CODECS) as Command[];

export const isKnownCommand = (command: string): command is Command => Object.hasOwn(PAYLOAD_CODECS, command);

/** Whether a decoded message is one of the commands the codec knows. */
export const isKnownMessage = (m: Message): m is KnownMessage => !('unknown' in m);
