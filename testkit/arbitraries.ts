/**
 * fast-check arbitraries for every payload the wire codec knows. Shared by the codec's property,
 * differential and fuzz tests (and meant for later suites): each one generates values the codec
 * must round-trip exactly, i.e. `decode(encode(x))` deep-equals `x`.
 *
 * Hosts are generated as bytes and turned into text with an independent formatter below (not the
 * codec's), so a round trip also checks that the codec's text form is the canonical one.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { AddrPayload } from '../src/protocol/messages/addr.js';
import type { AddrV2Entry, AddrV2Payload, KnownAddrNetwork } from '../src/protocol/messages/addrv2.js';
import { type Block, type BlockData, blockFromData } from '../src/protocol/messages/block.js';
import type { FeeFilterPayload } from '../src/protocol/messages/feefilter.js';
import type { BlockHeader, HeadersPayload } from '../src/protocol/messages/headers.js';
import { type Command, isKnownCommand, type KnownMessage } from '../src/protocol/messages/index.js';
import { type InventoryPayload, type InvItem, InvType } from '../src/protocol/messages/inventory.js';
import type { LocatorPayload } from '../src/protocol/messages/locator.js';
import type { NoncePayload } from '../src/protocol/messages/ping.js';
import type { RejectPayload } from '../src/protocol/messages/reject.js';
import type { SendCmpctPayload } from '../src/protocol/messages/sendcmpct.js';
import {
  type Transaction,
  type TransactionData,
  transactionFromData,
  type TxInput,
  type TxOutput,
} from '../src/protocol/messages/tx.js';
import type { VersionAddress, VersionPayload } from '../src/protocol/messages/version.js';

// ---------------------------------------------------------------------------------------------
// Integers

export const arbU8 = fc.integer({ min: 0, max: 0xff });
export const arbU16 = fc.integer({ min: 0, max: 0xffff });
export const arbU32 = fc.integer({ min: 0, max: 0xffff_ffff });
export const arbI32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
export const arbU64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
export const arbI64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });

/** Values that sit on and around the CompactSize encoding boundaries, plus anything else. */
export const arbCompactSizeValue: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(
    0n,
    1n,
    0xfcn,
    0xfdn,
    0xfen,
    0xffn,
    0xffffn,
    0x1_0000n,
    0xffff_ffffn,
    0x1_0000_0000n,
    (1n << 64n) - 1n,
  ),
  fc.bigInt({ min: 0n, max: 0xfcn }),
  fc.bigInt({ min: 0xfdn, max: 0xffffn }),
  fc.bigInt({ min: 0x1_0000n, max: 0xffff_ffffn }),
  fc.bigInt({ min: 0x1_0000_0000n, max: (1n << 64n) - 1n }),
);

// ---------------------------------------------------------------------------------------------
// Bytes

export const arbBytes = (length: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength: length, maxLength: length }).map((a) => Buffer.from(a));

export const arbHash: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 8, arbitrary: arbBytes(32) },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(32)) },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(32, 0xff)) },
);

// ---------------------------------------------------------------------------------------------
// Strings (Bitcoin strings are bytes; the codec maps them to Latin-1 strings)

export const arbLatin1String = (maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)),
    minLength,
    maxLength,
  });

/** Printable ASCII, what real user agents and commands use. */
export const arbAsciiString = (maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength,
    maxLength,
  });

/** A command that is valid on the wire: 1 to 12 printable ASCII characters. */
export const arbCommandString: fc.Arbitrary<string> = arbAsciiString(12, 1);

// ---------------------------------------------------------------------------------------------
// Addresses, formatted by an independent implementation of RFC 5952

/** RFC 5952 text for 16 bytes: lower-case hex, no leading zeros, first longest run (>= 2) of zero groups as '::'. */
export function rfc5952(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let runStart = -1;
  let runLength = 0;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i >= 2 && j - i > runLength) {
      runStart = i;
      runLength = j - i;
    }
    if (j > i) i = j - 1;
  }
  const text = groups.map((g) => g.toString(16));
  if (runStart < 0) return text.join(':');
  return `${text.slice(0, runStart).join(':')}::${text.slice(runStart + runLength).join(':')}`;
}

/** 16 bytes whose groups are often zero, so that '::' compression gets exercised. */
export const arbIPv6Bytes: fc.Arbitrary<Buffer> = fc
  .array(fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: arbU16 }), {
    minLength: 8,
    maxLength: 8,
  })
  .map((groups) => {
    const out = Buffer.alloc(16);
    groups.forEach((g, i) => {
      out.writeUInt16BE(g, 2 * i);
    });
    return out;
  });

const isV4Mapped = (b: Uint8Array): boolean =>
  b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

export const arbIPv4Host: fc.Arbitrary<string> = fc
  .tuple(arbU8, arbU8, arbU8, arbU8)
  .map((parts) => parts.join('.'));

/** IPv6 text that is not IPv4-mapped (mapped addresses read as dotted quads). */
export const arbIPv6Host: fc.Arbitrary<string> = arbIPv6Bytes.filter((b) => !isV4Mapped(b)).map(rfc5952);

/** What `version` and `addr` carry in their 16-byte address fields, as text. */
export const arbHost16: fc.Arbitrary<string> = fc.oneof(
  arbIPv4Host,
  arbIPv6Host,
  fc.constantFrom('::', '::1', '::102:304', '127.0.0.1', '0.0.0.0', 'fc00::1', 'fd87:d87e:eb43::1', '2001:db8::'),
);

export const arbPort = arbU16;

// ---------------------------------------------------------------------------------------------
// version

export const arbVersionAddress: fc.Arbitrary<VersionAddress> = fc.record({
  services: arbU64,
  host: arbHost16,
  port: arbPort,
});

export interface VersionOptions {
  /** 'with': relay present; 'without': relay absent (the key is missing); 'any': either. */
  relay?: 'with' | 'without' | 'any';
  userAgent?: fc.Arbitrary<string>;
}

export const arbVersion = (options: VersionOptions = {}): fc.Arbitrary<VersionPayload> => {
  const base = fc.record({
    version: arbI32,
    services: arbU64,
    timestamp: arbI64,
    receiver: arbVersionAddress,
    sender: arbVersionAddress,
    nonce: arbU64,
    userAgent: options.userAgent ?? arbLatin1String(256),
    startHeight: arbI32,
  });
  const withRelay = fc.tuple(base, fc.boolean()).map(([v, relay]): VersionPayload => ({ ...v, relay }));
  const relay = options.relay ?? 'any';
  if (relay === 'with') return withRelay;
  if (relay === 'without') return base;
  return fc.oneof(withRelay, base);
};

// ---------------------------------------------------------------------------------------------
// ping / pong / sendcmpct / feefilter

export const arbNonce: fc.Arbitrary<NoncePayload> = fc.record({ nonce: arbU64 });
export const arbSendCmpct: fc.Arbitrary<SendCmpctPayload> = fc.record({
  announce: fc.boolean(),
  version: arbU64,
});
export const arbFeeFilter: fc.Arbitrary<FeeFilterPayload> = fc.record({ feeRate: arbI64 });

// ---------------------------------------------------------------------------------------------
// addr

export const arbAddr = (maxLength = 20): fc.Arbitrary<AddrPayload> =>
  fc.record({
    addresses: fc.array(fc.record({ time: arbU32, services: arbU64, host: arbHost16, port: arbPort }), {
      maxLength,
    }),
  });

// ---------------------------------------------------------------------------------------------
// addrv2 (BIP155)

export const ADDRV2_IDS: Record<KnownAddrNetwork, number> = {
  ipv4: 1,
  ipv6: 2,
  torv2: 3,
  torv3: 4,
  i2p: 5,
  cjdns: 6,
};

/** Host text for each network, from bytes; Tor v3 and I2P names come from `nameOf`, see addrv2 tests. */
export const arbAddrV2Host = (network: KnownAddrNetwork | 'unknown'): fc.Arbitrary<string> => {
  switch (network) {
    case 'ipv4':
      return arbIPv4Host;
    case 'ipv6':
      // Not one of the prefixes that disguise another network (IPv4-mapped, Tor v2, Core's
      // internal): Core reads those as the unspecified address, so they do not round-trip.
      return arbIPv6Bytes.map((b) => {
        if (isDisguised(b)) b[0] = 0x20;
        return rfc5952(b);
      });
    case 'cjdns':
      return arbIPv6Bytes.map((b) => {
        b[0] = 0xfc;
        return rfc5952(b);
      });
    case 'torv2':
      return arbBytes(10).map((b) => b.toString('hex'));
    case 'torv3':
      return arbBytes(32).map(torV3Name);
    case 'i2p':
      return arbBytes(32).map((b) => `${base32(b)}.b32.i2p`);
    default:
      return fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('hex'));
  }
};

/** Network ids we read as unknown: those BIP155 does not define, and 3, the retired Tor v2. */
export const arbUnknownNetworkId = fc.oneof(fc.constant(0), fc.constant(3), fc.integer({ min: 7, max: 255 }));

const DISGUISING_PREFIXES = ['00000000000000000000ffff', 'fd87d87eeb43', 'fd6b88c08724'].map((h) => Buffer.from(h, 'hex'));
const isDisguised = (b: Uint8Array): boolean =>
  DISGUISING_PREFIXES.some((p) => Buffer.from(b.subarray(0, p.length)).equals(p));

export const arbAddrV2Entry = (network?: KnownAddrNetwork | 'unknown'): fc.Arbitrary<AddrV2Entry> => {
  const net: fc.Arbitrary<KnownAddrNetwork | 'unknown'> =
    network === undefined
      ? fc.constantFrom<KnownAddrNetwork | 'unknown'>(
          'ipv4',
          'ipv6',
          'torv3',
          'i2p',
          'cjdns',
          'unknown',
        )
      : fc.constant(network);
  return net.chain((n) =>
    fc.record({
      time: arbU32,
      services: arbU64,
      network: fc.constant(n),
      networkId: n === 'unknown' ? arbUnknownNetworkId : fc.constant(ADDRV2_IDS[n]),
      host: arbAddrV2Host(n),
      port: arbPort,
    }),
  );
};

export const arbAddrV2 = (
  maxLength = 12,
  network?: KnownAddrNetwork | 'unknown',
): fc.Arbitrary<AddrV2Payload> => fc.record({ addresses: fc.array(arbAddrV2Entry(network), { maxLength }) });

// Independent RFC 4648 base32 (lower case, unpadded) and Tor v3 names for the arbitraries.
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
export function base32(bytes: Uint8Array): string {
  let bitString = '';
  for (const b of bytes) bitString += b.toString(2).padStart(8, '0');
  while (bitString.length % 5 !== 0) bitString += '0';
  let out = '';
  for (let i = 0; i < bitString.length; i += 5) out += B32[Number.parseInt(bitString.slice(i, i + 5), 2)];
  return out;
}

/** Tor rend-spec-v3: base32(PUBKEY | CHECKSUM | VERSION) + ".onion", CHECKSUM = SHA3-256(".onion checksum" | PUBKEY | VERSION)[:2]. */
export function torV3Name(pubkey: Uint8Array): string {
  const version = Buffer.from([3]);
  const check = createHash('sha3-256')
    .update(Buffer.concat([Buffer.from('.onion checksum', 'ascii'), pubkey, version]))
    .digest()
    .subarray(0, 2);
  return `${base32(Buffer.concat([pubkey, check, version]))}.onion`;
}

// ---------------------------------------------------------------------------------------------
// inv / getdata / notfound

/** Every inventory type Core defines (with and without the witness flag), and any other u32. */
export const arbInvType: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...Object.values(InvType)) },
  { weight: 1, arbitrary: arbU32 },
);

export const arbInvItem: fc.Arbitrary<InvItem> = fc.record({ type: arbInvType, hash: arbHash });

export const arbInventory = (maxLength = 20): fc.Arbitrary<InventoryPayload> =>
  fc.record({ items: fc.array(arbInvItem, { maxLength }) });

// ---------------------------------------------------------------------------------------------
// getheaders / getblocks / headers

export const arbLocator = (maxLength = 101): fc.Arbitrary<LocatorPayload> =>
  fc.record({
    version: fc.oneof(fc.constant(70016), arbU32),
    locator: fc.array(arbHash, { maxLength }),
    stopHash: arbHash,
  });

export const arbBlockHeader: fc.Arbitrary<BlockHeader> = fc.record({
  version: arbI32,
  prevBlock: arbHash,
  merkleRoot: arbHash,
  time: arbU32,
  bits: arbU32,
  nonce: arbU32,
});

export const arbHeaders = (maxLength = 20): fc.Arbitrary<HeadersPayload> =>
  fc.record({ headers: fc.array(arbBlockHeader, { maxLength }) });

// ---------------------------------------------------------------------------------------------
// reject

export const arbReject = (
  options: { hash?: 'with' | 'without' | 'any' } = {},
): fc.Arbitrary<RejectPayload> => {
  const base = fc.record({
    message: fc.oneof(fc.constantFrom('tx', 'block', 'version', ''), arbAsciiString(12)),
    code: arbU8,
    reason: arbLatin1String(111),
  });
  const withHash = fc.tuple(base, arbHash).map(([r, hash]): RejectPayload => ({ ...r, hash }));
  const mode = options.hash ?? 'any';
  if (mode === 'with') return withHash;
  if (mode === 'without') return base;
  return fc.oneof(withHash, base);
};

// ---------------------------------------------------------------------------------------------
// tx / block

/** Script-like bytes: usually short, sometimes long enough for a 3-byte length (>= 0xfd). */
export const arbScriptBytes = (max = 80): fc.Arbitrary<Buffer> =>
  fc
    .oneof(
      { weight: 9, arbitrary: fc.uint8Array({ maxLength: max }) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 0xfd, maxLength: 0x120 }) },
    )
    .map((a) => Buffer.from(a));

export interface TransactionOptions {
  /** 'with': at least one input has a witness; 'without': none has; 'any': either. */
  witness?: 'with' | 'without' | 'any';
  maxInputs?: number;
  maxOutputs?: number;
}

const arbInput = (witness: boolean): fc.Arbitrary<TxInput> =>
  fc.record({
    prevout: fc.record({ hash: arbHash, index: fc.oneof(arbU32, fc.constant(0xffff_ffff)) }),
    scriptSig: arbScriptBytes(),
    sequence: fc.oneof(arbU32, fc.constant(0xffff_ffff)),
    witness: witness ? fc.array(arbScriptBytes(72), { maxLength: 3 }) : fc.constant([]),
  });

export const arbTxOutput: fc.Arbitrary<TxOutput> = fc.record({
  value: fc.oneof(fc.bigInt({ min: 0n, max: 21_000_000n * 100_000_000n }), arbI64),
  scriptPubKey: arbScriptBytes(),
});

/** The fields of a transaction the wire can carry unambiguously: at least one input, or none and no outputs. */
export const arbTransactionData = (options: TransactionOptions = {}): fc.Arbitrary<TransactionData> => {
  const mode = options.witness ?? 'any';
  const base = fc.record({
    version: fc.oneof(fc.constantFrom(1, 2), arbU32),
    inputs: fc.array(arbInput(mode !== 'without'), { minLength: 1, maxLength: options.maxInputs ?? 4 }),
    outputs: fc.array(arbTxOutput, { maxLength: options.maxOutputs ?? 4 }),
    locktime: arbU32,
  });
  const shaped = base.map((tx): TransactionData => {
    if (mode !== 'with' || tx.inputs.some((i) => i.witness.length > 0)) return tx;
    const [first, ...rest] = tx.inputs;
    return { ...tx, inputs: [{ ...first!, witness: [Buffer.from([1])] }, ...rest] };
  });
  if (mode === 'with') return shaped;
  // Neither inputs nor outputs: `version 00 00 locktime`, which Core reads back the same way.
  const empty = fc.record({ version: arbU32, inputs: fc.constant([]), outputs: fc.constant([]), locktime: arbU32 });
  return fc.oneof({ weight: 12, arbitrary: shaped }, { weight: 1, arbitrary: empty });
};

/** A complete decoded Transaction, built from random fields through the codec itself. */
export const arbTransaction = (options: TransactionOptions = {}): fc.Arbitrary<Transaction> =>
  arbTransactionData(options).map(transactionFromData);

export const arbBlockData = (maxTransactions = 4): fc.Arbitrary<BlockData> =>
  fc.record({
    header: arbBlockHeader,
    transactions: fc.array(arbTransactionData({ maxInputs: 2, maxOutputs: 3 }), { maxLength: maxTransactions }),
  });

export const arbBlock = (maxTransactions = 4): fc.Arbitrary<Block> => arbBlockData(maxTransactions).map(blockFromData);

// ---------------------------------------------------------------------------------------------
// Whole messages

const EMPTY = fc.constant({} as Record<string, never>);

/** An arbitrary payload for each command the codec knows. */
export const PAYLOAD_ARBITRARIES: { readonly [K in Command]: fc.Arbitrary<KnownMessage & { command: K }> } = {
  version: arbVersion().map((payload) => ({ command: 'version', payload })),
  verack: EMPTY.map((payload) => ({ command: 'verack', payload })),
  ping: arbNonce.map((payload) => ({ command: 'ping', payload })),
  pong: arbNonce.map((payload) => ({ command: 'pong', payload })),
  getaddr: EMPTY.map((payload) => ({ command: 'getaddr', payload })),
  addr: arbAddr().map((payload) => ({ command: 'addr', payload })),
  addrv2: arbAddrV2().map((payload) => ({ command: 'addrv2', payload })),
  sendaddrv2: EMPTY.map((payload) => ({ command: 'sendaddrv2', payload })),
  wtxidrelay: EMPTY.map((payload) => ({ command: 'wtxidrelay', payload })),
  sendheaders: EMPTY.map((payload) => ({ command: 'sendheaders', payload })),
  sendcmpct: arbSendCmpct.map((payload) => ({ command: 'sendcmpct', payload })),
  feefilter: arbFeeFilter.map((payload) => ({ command: 'feefilter', payload })),
  inv: arbInventory().map((payload) => ({ command: 'inv', payload })),
  getdata: arbInventory().map((payload) => ({ command: 'getdata', payload })),
  notfound: arbInventory().map((payload) => ({ command: 'notfound', payload })),
  getheaders: arbLocator(12).map((payload) => ({ command: 'getheaders', payload })),
  getblocks: arbLocator(12).map((payload) => ({ command: 'getblocks', payload })),
  headers: arbHeaders().map((payload) => ({ command: 'headers', payload })),
  mempool: EMPTY.map((payload) => ({ command: 'mempool', payload })),
  reject: arbReject().map((payload) => ({ command: 'reject', payload })),
  tx: arbTransaction().map((payload) => ({ command: 'tx', payload })),
  block: arbBlock(3).map((payload) => ({ command: 'block', payload })),
};

/** Any known message. */
export const arbKnownMessage: fc.Arbitrary<KnownMessage> = fc.oneof(
  ...(Object.values(PAYLOAD_ARBITRARIES) as fc.Arbitrary<KnownMessage>[]),
);

/** A message under a command the codec does not decode, with raw payload bytes. */
/** The raw form of OutgoingMessage: any valid command with bytes as its payload. */
export interface RawMessage {
  command: string;
  payload: Buffer;
  unknown: true;
}

export const arbUnknownMessage: fc.Arbitrary<RawMessage> = fc.record({
  command: fc.oneof(
    fc.constantFrom('foo', 'cmpctblock', 'getcfilters', 'blocktxn'),
    arbCommandString.filter((c) => !isKnownCommand(c)),
  ),
  payload: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  unknown: fc.constant(true as const),
});

/** Split `length` bytes into chunks: returns the cut offsets, sorted, without 0 and `length`. */
export const arbCuts = (length: number, maxCuts = 32): fc.Arbitrary<number[]> =>
  length <= 1
    ? fc.constant([])
    : fc
        .uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: Math.min(maxCuts, length - 1) })
        .map((cuts) => cuts.sort((a, b) => a - b));

/** `bytes` split at `cuts` (as produced by arbCuts). */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of cuts) {
    out.push(bytes.subarray(at, cut));
    at = cut;
  }
  out.push(bytes.subarray(at));
  return out;
}
