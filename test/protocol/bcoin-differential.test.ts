/**
 * Differential tests against bcoin 1.0.2 (lib/net/packets.js, framer.js, parser.js): for every
 * message both implementations know, random payloads are encoded by both and compared byte for
 * byte, and each side's bytes are parsed by the other and compared field by field.
 *
 * bcoin quirks found on the way (each pinned by a test below, and the arbitraries here stay inside
 * what bcoin can represent):
 *  - version/addr: services are written as a u32 plus four zero bytes and read back the same way,
 *    so service bits 32-63 are lost; timestamps are JS numbers (>= 0 asserted on read, < 2^53).
 *  - version: the relay byte is always written (noRelay ? 0 : 1); a start height < 0 is read as 0;
 *    protocol version 10300 is read as 300; an empty user agent cannot be set through the options
 *    (the default is used instead), nor a version-0 sendcmpct (constructor `version || 1`).
 *  - strings are 'ascii': bytes above 0x7f lose their top bit on read, so only ASCII is compared.
 *  - addr: no limit on the entry count when parsing; IPv6 text uses the deprecated IPv4-compatible
 *    form (::1.2.3.4) and fd87:d87e:eb43::/48 prints as a Tor v2 .onion name, so hosts are compared
 *    as bytes.
 *  - getheaders/getblocks: the locator may hold up to 50,000 hashes (Core: 101); an all-zero stop
 *    hash reads as null.
 *  - headers: the block version is a u32 (Core and we: i32); the bytes are the same.
 *  - reject: the hash is read only when the rejected command is 'tx' or 'block' (we read it when 32
 *    bytes remain); reasons over 111 characters are refused when writing.
 *  - ping: a nonce-less ping (pre-BIP31) is written as an empty payload.
 *  - framing: bcoin's Framer and Parser refuse 12-character commands (Core and we accept them), and
 *    its Parser resynchronises after a bad magic instead of dropping the connection.
 *  - tx: amounts are JS numbers, so an output value beyond ±(2^53 - 1) throws (Core and we read any
 *    signed 64-bit value); a witness flag with every witness empty is read as a transaction without
 *    witnesses (Core: "Superfluous witness record", see tx/core-vectors.test.ts).
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodeMessage, encodePayload, frame, type OutgoingMessage } from '../../src/protocol/codec.js';
import { Framer } from '../../src/protocol/framer.js';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import { blockHash, type BlockHeader } from '../../src/protocol/messages/headers.js';
import type { Command, KnownMessage, Payloads } from '../../src/protocol/messages/index.js';
import { parse16 } from '../../src/protocol/messages/ip.js';
import { serializeTransaction } from '../../src/protocol/messages/tx.js';
import type { VersionAddress, VersionPayload } from '../../src/protocol/messages/version.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import {
  arbAsciiString,
  arbCommandString,
  arbCuts,
  arbHash,
  arbHost16,
  arbInvType,
  arbPort,
  arbU32,
  arbU64,
  arbBlock,
  arbTransaction,
  splitAt,
} from '../../testkit/arbitraries.js';

// Pure-JavaScript backend: works without bcoin's native add-ons being built.
process.env.NODE_BACKEND ??= 'js';
// bcoin ships no types; this file talks to it dynamically.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const bcoin: Any = createRequire(import.meta.url)('bcoin');
const { packets } = bcoin;
const { NetAddress } = bcoin.net;

const RUNS = { numRuns: 120 } as const;

// ---------------------------------------------------------------------------------------------
// Arbitraries inside bcoin's domain

const arbSafeNonNeg = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const arbSafeInt = fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

const arbBcoinAddress: fc.Arbitrary<VersionAddress> = fc.record({
  services: arbU32.map(BigInt),
  host: arbHost16,
  port: arbPort,
});

const arbBcoinVersion: fc.Arbitrary<VersionPayload> = fc.record({
  version: fc.integer({ min: 0, max: 0x7fff_ffff }).filter((v) => v !== 10300),
  services: arbU32.map(BigInt),
  timestamp: arbSafeNonNeg.map(BigInt),
  receiver: arbBcoinAddress,
  sender: arbBcoinAddress,
  nonce: arbU64,
  userAgent: arbAsciiString(256),
  startHeight: fc.integer({ min: 0, max: 0x7fff_ffff }),
  relay: fc.boolean(),
});

const arbBcoinAddrEntry: fc.Arbitrary<AddrEntry> = fc.record({
  time: arbU32,
  services: arbU32.map(BigInt),
  host: arbHost16,
  port: arbPort,
});

const arbBcoinReject = fc.oneof(
  fc.record({
    message: fc.constantFrom('tx', 'block'),
    code: fc.integer({ min: 0, max: 0xff }),
    reason: arbAsciiString(111),
    hash: arbHash,
  }),
  fc.record({
    message: arbAsciiString(12).filter((m) => m !== 'tx' && m !== 'block'),
    code: fc.integer({ min: 0, max: 0xff }),
    reason: arbAsciiString(111),
  }),
);

const arbBcoinHeader: fc.Arbitrary<BlockHeader> = fc.record({
  version: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
  prevBlock: arbHash,
  merkleRoot: arbHash,
  time: arbU32,
  bits: arbU32,
  nonce: arbU32,
});

// ---------------------------------------------------------------------------------------------
// Conversions to bcoin objects

const nonceBytes = (nonce: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(nonce);
  return b;
};

const toNetAddress = (a: { host: string; port: number; services: bigint; time?: number }): Any =>
  new NetAddress({ host: a.host, port: a.port, services: Number(a.services), time: a.time ?? 0 });

function toBcoinVersion(v: VersionPayload): Any {
  const p = new packets.VersionPacket({
    version: v.version,
    services: Number(v.services),
    time: Number(v.timestamp),
    remote: { host: v.receiver.host, port: v.receiver.port, services: Number(v.receiver.services) },
    local: { host: v.sender.host, port: v.sender.port, services: Number(v.sender.services) },
    height: v.startHeight,
    noRelay: v.relay === false,
  });
  // Set directly: fromOptions skips falsy values (an empty user agent, a zero nonce).
  p.agent = v.userAgent;
  p.nonce = nonceBytes(v.nonce);
  return p;
}

const toBcoinHeader = (h: BlockHeader): Any =>
  new bcoin.Headers({
    version: h.version >>> 0,
    prevBlock: h.prevBlock.toString('hex'),
    merkleRoot: h.merkleRoot.toString('hex'),
    time: h.time,
    bits: h.bits,
    nonce: h.nonce,
  });

/** Expects bcoin's address (parsed from our bytes) to be ours. */
function expectSameAddress(theirs: Any, ours: { host: string; port: number; services: bigint }): void {
  expect(Buffer.compare(theirs.raw, parse16(ours.host))).toBe(0);
  expect(theirs.port).toBe(ours.port);
  expect(theirs.services).toBe(Number(ours.services));
  const host = String(theirs.host);
  if (host.endsWith('.onion')) return; // fd87:d87e:eb43::/48 is a Tor v2 name to bcoin
  // bcoin's text for the same bytes parses back to them, and is the same text as ours except
  // for its IPv4-compatible form (::a.b.c.d), which RFC 5952 and we write as plain hex groups.
  expect(parse16(host).equals(theirs.raw)).toBe(true);
  if (!host.includes('.') || !host.includes(':')) expect(host).toBe(ours.host);
}

const ours = <K extends Command>(command: K, payload: Payloads[K]): Buffer =>
  encodePayload({ command, payload } as OutgoingMessage);

const oursDecoded = <K extends Command>(command: K, bytes: Buffer): Payloads[K] => {
  const m = decodePayload(command, bytes);
  if ('unknown' in m) throw new Error(`${command} decoded as unknown`);
  return m.payload as Payloads[K];
};

// ---------------------------------------------------------------------------------------------

describe('bcoin 1.0.2 differential: payloads', () => {
  it('version: same bytes; each parses the other', () => {
    fc.assert(
      fc.property(arbBcoinVersion, (v) => {
        const mine = ours('version', v);
        const theirs: Buffer = toBcoinVersion(v).toRaw();
        expect(mine.toString('hex')).toBe(theirs.toString('hex'));

        const parsed = packets.VersionPacket.fromRaw(mine);
        expect(parsed.version).toBe(v.version);
        expect(parsed.services).toBe(Number(v.services));
        expect(parsed.time).toBe(Number(v.timestamp));
        expectSameAddress(parsed.remote, v.receiver);
        expectSameAddress(parsed.local, v.sender);
        expect(parsed.nonce.equals(nonceBytes(v.nonce))).toBe(true);
        expect(parsed.agent).toBe(v.userAgent);
        expect(parsed.height).toBe(v.startHeight);
        expect(parsed.noRelay).toBe(!v.relay);

        expect(oursDecoded('version', theirs)).toEqual(v);
      }),
      { ...RUNS, seed: 101 },
    );
  });

  it('verack, getaddr, sendheaders, mempool: both empty', () => {
    for (const [command, Packet] of [
      ['verack', packets.VerackPacket],
      ['getaddr', packets.GetAddrPacket],
      ['sendheaders', packets.SendHeadersPacket],
      ['mempool', packets.MempoolPacket],
    ] as const) {
      const theirs: Buffer = new Packet().toRaw();
      expect(theirs.length).toBe(0);
      expect(ours(command, {}).equals(theirs)).toBe(true);
      expect(new Packet().cmd).toBe(command);
      expect(oursDecoded(command, theirs)).toEqual({});
    }
  });

  it('ping and pong: same bytes; nonces agree', () => {
    fc.assert(
      fc.property(arbU64, (nonce) => {
        for (const [command, Packet] of [
          ['ping', packets.PingPacket],
          ['pong', packets.PongPacket],
        ] as const) {
          const mine = ours(command, { nonce });
          expect(mine.equals(new Packet(nonceBytes(nonce)).toRaw())).toBe(true);
          expect(Packet.fromRaw(mine).nonce.equals(nonceBytes(nonce))).toBe(true);
          expect(oursDecoded(command, new Packet(nonceBytes(nonce)).toRaw())).toEqual({ nonce });
        }
      }),
      { ...RUNS, seed: 102 },
    );
  });

  it('addr: same bytes; entries agree', () => {
    fc.assert(
      fc.property(fc.array(arbBcoinAddrEntry, { maxLength: 30 }), (addresses) => {
        const mine = ours('addr', { addresses });
        const theirs: Buffer = new packets.AddrPacket(addresses.map(toNetAddress)).toRaw();
        expect(mine.toString('hex')).toBe(theirs.toString('hex'));
        const parsed = packets.AddrPacket.fromRaw(mine);
        expect(parsed.items.length).toBe(addresses.length);
        parsed.items.forEach((item: Any, i: number) => {
          expect(item.time).toBe(addresses[i]!.time);
          expectSameAddress(item, addresses[i]!);
        });
        expect(oursDecoded('addr', theirs)).toEqual({ addresses });
      }),
      { ...RUNS, seed: 103 },
    );
  });

  it.each([
    ['inv', 'InvPacket'],
    ['getdata', 'GetDataPacket'],
    ['notfound', 'NotFoundPacket'],
  ] as const)('%s: same bytes for every inventory type; items agree', (command, name) => {
    fc.assert(
      fc.property(fc.array(fc.record({ type: arbInvType, hash: arbHash }), { maxLength: 40 }), (items) => {
        const Packet = packets[name];
        const mine = ours(command, { items });
        const theirs: Buffer = new Packet(items.map((i) => new bcoin.InvItem(i.type, i.hash.toString('hex')))).toRaw();
        expect(mine.toString('hex')).toBe(theirs.toString('hex'));
        const parsed = Packet.fromRaw(mine);
        expect(parsed.cmd).toBe(command);
        expect(parsed.items.map((i: Any) => [i.type, i.hash])).toEqual(items.map((i) => [i.type, i.hash.toString('hex')]));
        expect(oursDecoded(command, theirs)).toEqual({ items });
      }),
      { ...RUNS, seed: 104 },
    );
  });

  it.each([
    ['getheaders', 'GetHeadersPacket'],
    ['getblocks', 'GetBlocksPacket'],
  ] as const)('%s: same bytes; locator and stop hash agree', (command, name) => {
    fc.assert(
      fc.property(arbU32, fc.array(arbHash, { maxLength: 101 }), arbHash, (version, locator, stopHash) => {
        const Packet = packets[name];
        const mine = ours(command, { version, locator, stopHash });
        const p = new Packet(
          locator.map((h) => h.toString('hex')),
          stopHash.toString('hex'),
        );
        p.version = version;
        const theirs: Buffer = p.toRaw();
        expect(mine.toString('hex')).toBe(theirs.toString('hex'));
        const parsed = Packet.fromRaw(mine);
        expect(parsed.version).toBe(version);
        expect(parsed.locator).toEqual(locator.map((h) => h.toString('hex')));
        // bcoin turns the all-zero stop hash into null.
        expect(parsed.stop).toBe(stopHash.equals(Buffer.alloc(32)) ? null : stopHash.toString('hex'));
        expect(oursDecoded(command, theirs)).toEqual({ version, locator, stopHash });
      }),
      { ...RUNS, seed: 105 },
    );
  });

  it('headers: same bytes; fields and block hashes agree', () => {
    fc.assert(
      fc.property(fc.array(arbBcoinHeader, { maxLength: 30 }), (headers) => {
        const mine = ours('headers', { headers });
        const theirs: Buffer = new packets.HeadersPacket(headers.map(toBcoinHeader)).toRaw();
        expect(mine.toString('hex')).toBe(theirs.toString('hex'));
        const parsed = packets.HeadersPacket.fromRaw(mine);
        parsed.items.forEach((item: Any, i: number) => {
          const h = headers[i]!;
          expect(item.version).toBe(h.version >>> 0); // bcoin: u32
          expect(item.prevBlock).toBe(h.prevBlock.toString('hex'));
          expect(item.merkleRoot).toBe(h.merkleRoot.toString('hex'));
          expect([item.time, item.bits, item.nonce]).toEqual([h.time, h.bits, h.nonce]);
          // bcoin's double SHA-256 (bcrypto) and ours give the same block hash.
          expect(item.hash('hex')).toBe(blockHash(h).toString('hex'));
        });
        expect(oursDecoded('headers', theirs)).toEqual({ headers });
      }),
      { ...RUNS, seed: 106 },
    );
  });

  it('sendcmpct: same bytes; mode and version agree', () => {
    fc.assert(
      fc.property(fc.boolean(), arbSafeNonNeg, (announce, version) => {
        const mine = ours('sendcmpct', { announce, version: BigInt(version) });
        const p = new packets.SendCmpctPacket(announce ? 1 : 0);
        p.version = version; // the constructor turns 0 into 1
        expect(mine.toString('hex')).toBe(p.toRaw().toString('hex'));
        const parsed = packets.SendCmpctPacket.fromRaw(mine);
        expect([parsed.mode, parsed.version]).toEqual([announce ? 1 : 0, version]);
        expect(oursDecoded('sendcmpct', p.toRaw())).toEqual({ announce, version: BigInt(version) });
      }),
      { ...RUNS, seed: 107 },
    );
  });

  it('feefilter: same bytes for negative and positive rates', () => {
    fc.assert(
      fc.property(arbSafeInt, (rate) => {
        const mine = ours('feefilter', { feeRate: BigInt(rate) });
        const theirs: Buffer = new packets.FeeFilterPacket(rate).toRaw();
        expect(mine.toString('hex')).toBe(theirs.toString('hex'));
        expect(packets.FeeFilterPacket.fromRaw(mine).rate).toBe(rate);
        expect(oursDecoded('feefilter', theirs)).toEqual({ feeRate: BigInt(rate) });
      }),
      { ...RUNS, seed: 108 },
    );
  });

  it('reject: same bytes (hash with tx/block only, as bcoin reads it); fields agree', () => {
    fc.assert(
      fc.property(arbBcoinReject, (r) => {
        const mine = ours('reject', r);
        const p = new packets.RejectPacket({ message: r.message, code: r.code, reason: r.reason });
        if ('hash' in r) p.hash = r.hash.toString('hex');
        const theirs: Buffer = p.toRaw();
        expect(mine.toString('hex')).toBe(theirs.toString('hex'));
        const parsed = packets.RejectPacket.fromRaw(mine);
        expect([parsed.message, parsed.code, parsed.reason]).toEqual([r.message, r.code, r.reason]);
        expect(parsed.hash).toBe('hash' in r ? r.hash.toString('hex') : null);
        expect(oursDecoded('reject', theirs)).toEqual(r);
      }),
      { ...RUNS, seed: 109 },
    );
  });
});

describe('bcoin 1.0.2 differential: framing', () => {
  const networks = [
    ['main', NETWORKS.mainnet],
    ['testnet', NETWORKS.testnet3],
    ['regtest', NETWORKS.regtest],
  ] as const;

  it('frames: same header and checksum for any command under 12 characters and any payload', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...networks),
        arbCommandString.filter((c) => c.length < 12),
        fc.uint8Array({ maxLength: 300 }),
        ([bcoinName, network], command, payload) => {
          const theirs: Buffer = new bcoin.net.Framer(bcoinName).packet(command, Buffer.from(payload));
          expect(frame(network.magic, command, payload).toString('hex')).toBe(theirs.toString('hex'));
        },
      ),
      { ...RUNS, seed: 110 },
    );
  });

  /** Known messages both sides understand and write identically (bcoin always writes relay). */
  const arbShared: fc.Arbitrary<KnownMessage> = fc.oneof(
    arbBcoinVersion.map((payload) => ({ command: 'version' as const, payload })),
    fc.constantFrom<KnownMessage>(
      { command: 'verack', payload: {} },
      { command: 'getaddr', payload: {} },
      { command: 'sendheaders', payload: {} },
    ),
    arbU64.map((nonce) => ({ command: 'ping' as const, payload: { nonce } })),
    fc.array(arbBcoinAddrEntry, { maxLength: 5 }).map((addresses) => ({ command: 'addr' as const, payload: { addresses } })),
    fc.array(fc.record({ type: arbInvType, hash: arbHash }), { maxLength: 5 }).map((items) => ({
      command: 'inv' as const,
      payload: { items },
    })),
    fc.array(arbBcoinHeader, { maxLength: 3 }).map((headers) => ({ command: 'headers' as const, payload: { headers } })),
  );

  it('bcoin’s Parser reads our stream in any chunking; our Framer reads bcoin’s', () => {
    fc.assert(
      fc.property(
        fc.array(arbShared, { minLength: 1, maxLength: 8 }).chain((messages) => {
          const stream = Buffer.concat(messages.map((m) => encodeMessage(NETWORKS.regtest.magic, m)));
          return fc.tuple(fc.constant(messages), fc.constant(stream), arbCuts(stream.length, 20));
        }),
        ([messages, stream, cuts]) => {
          const parser = new bcoin.net.Parser('regtest');
          const got: Any[] = [];
          const errors: Error[] = [];
          parser.on('packet', (p: Any) => got.push(p));
          parser.on('error', (e: Error) => errors.push(e));
          for (const chunk of splitAt(stream, cuts)) parser.feed(Buffer.from(chunk));
          expect(errors).toEqual([]);
          expect(got.map((p) => p.cmd)).toEqual(messages.map((m) => m.command));
          got.forEach((p, i) => {
            expect(p.toRaw().toString('hex')).toBe(encodePayload(messages[i]!).toString('hex'));
          });

          // And the other way: bcoin frames bcoin's serialisation, our framer splits and decodes it.
          const bcoinFramer = new bcoin.net.Framer('regtest');
          const theirStream = Buffer.concat(got.map((p) => bcoinFramer.packet(p.cmd, p.toRaw())));
          expect(theirStream.equals(stream)).toBe(true);
          const events = new Framer(NETWORKS.regtest.magic).push(theirStream);
          expect(events.map((e) => (e.type === 'message' ? decodePayload(e.command, e.payload) : e.type))).toEqual(messages);
        },
      ),
      { numRuns: 60, seed: 111 },
    );
  });
});

describe('bcoin 1.0.2 differential: tx and block', () => {
  /** Output values bcoin can hold (it reads amounts as JS numbers). */
  const safeValues = <T extends { outputs: readonly { value: bigint }[] }>(tx: T): boolean =>
    tx.outputs.every((o) => o.value <= BigInt(Number.MAX_SAFE_INTEGER) && o.value >= -BigInt(Number.MAX_SAFE_INTEGER));

  it('tx: bcoin reads our bytes to the same bytes, hashes, sizes and fields', () => {
    fc.assert(
      fc.property(arbTransaction().filter(safeValues), (tx) => {
        const mine = ours('tx', tx);
        const theirs = bcoin.TX.fromRaw(mine);
        expect(theirs.toRaw().equals(mine)).toBe(true);
        expect(theirs.hash().equals(tx.txid)).toBe(true);
        expect(theirs.witnessHash().equals(tx.wtxid)).toBe(true);
        expect([theirs.getSize(), theirs.getWeight(), theirs.getVirtualSize()]).toEqual([tx.size, tx.weight, tx.vsize]);
        expect(theirs.inputs.map((i: Any) => [i.prevout.hash, i.prevout.index, i.sequence, i.script.toRaw().toString('hex')])).toEqual(
          tx.inputs.map((i) => [i.prevout.hash.toString('hex'), i.prevout.index, i.sequence, i.scriptSig.toString('hex')]),
        );
        expect(theirs.outputs.map((o: Any) => [o.value, o.script.toRaw().toString('hex')])).toEqual(
          tx.outputs.map((o) => [Number(o.value), o.scriptPubKey.toString('hex')]),
        );
        // And our reading of bcoin's own serialisation is the same transaction.
        expect(oursDecoded('tx', theirs.toRaw())).toEqual(tx);
      }),
      { ...RUNS, seed: 112 },
    );
  });

  it('block: bcoin reads our bytes to the same bytes, block hash, and every txid and wtxid', () => {
    fc.assert(
      fc.property(arbBlock().filter((b) => b.transactions.every(safeValues)), (block) => {
        const mine = ours('block', block);
        const theirs = bcoin.Block.fromRaw(mine);
        expect(theirs.toRaw().equals(mine)).toBe(true);
        expect(theirs.hash().equals(block.hash)).toBe(true);
        expect(theirs.getWeight()).toBe(block.weight);
        expect(theirs.txs.map((t: Any) => [t.hash('hex'), t.witnessHash('hex')])).toEqual(
          block.transactions.map((t) => [t.txid.toString('hex'), t.wtxid.toString('hex')]),
        );
        expect(oursDecoded('block', theirs.toRaw())).toEqual(block);
      }),
      { numRuns: 60, seed: 113 },
    );
  });
});

describe('bcoin 1.0.2 quirks, pinned', () => {
  it('an amount beyond 2^53 - 1: Core and we read it, bcoin throws', () => {
    const bytes = serializeTransaction({
      version: 1,
      inputs: [{ prevout: { hash: Buffer.alloc(32, 1), index: 0 }, scriptSig: Buffer.alloc(0), sequence: 0, witness: [] }],
      outputs: [{ value: 1n << 60n, scriptPubKey: Buffer.from([0x51]) }],
      locktime: 0,
    });
    expect(oursDecoded('tx', bytes).outputs[0]!.value).toBe(1n << 60n);
    expect(() => bcoin.TX.fromRaw(bytes)).toThrow(/2\^53/);
  });

  const base: VersionPayload = {
    version: 70016,
    services: 9n,
    timestamp: 1_700_000_000n,
    receiver: { services: 0n, host: '127.0.0.1', port: 18444 },
    sender: { services: 9n, host: '::', port: 0 },
    nonce: 1n,
    userAgent: '/test:0.1/',
    startHeight: 5,
    relay: true,
  };

  it('service bits above 31 are dropped by bcoin, kept by us', () => {
    const bytes = ours('version', { ...base, services: (1n << 40n) | 9n });
    expect(packets.VersionPacket.fromRaw(bytes).services).toBe(9);
    expect(oursDecoded('version', bytes).services).toBe((1n << 40n) | 9n);
  });

  it('a version without the relay byte: both read relay = true', () => {
    const { relay: _relay, ...noRelay } = base;
    const bytes = ours('version', noRelay);
    expect(packets.VersionPacket.fromRaw(bytes).noRelay).toBe(false);
    expect(oursDecoded('version', bytes).relay).toBeUndefined();
    // bcoin always writes it back.
    expect(packets.VersionPacket.fromRaw(bytes).toRaw().length).toBe(bytes.length + 1);
  });

  it('a negative start height reads as 0 in bcoin, as itself in ours', () => {
    const bytes = ours('version', { ...base, startHeight: -1 });
    expect(packets.VersionPacket.fromRaw(bytes).height).toBe(0);
    expect(oursDecoded('version', bytes).startHeight).toBe(-1);
  });

  it('reject: bcoin ignores a hash after commands other than tx/block; we keep it', () => {
    const hash = Buffer.alloc(32, 0xab);
    const bytes = ours('reject', { message: 'version', code: 0x11, reason: 'obsolete', hash });
    expect(packets.RejectPacket.fromRaw(bytes).hash).toBeNull();
    expect(oursDecoded('reject', bytes).hash).toEqual(hash);
  });

  it('addr: bcoin parses more than 1000 entries, we refuse them', () => {
    const entry: AddrEntry = { time: 1, services: 1n, host: '10.0.0.1', port: 8333 };
    const bytes = ours('addr', { addresses: new Array(1001).fill(entry) });
    expect(packets.AddrPacket.fromRaw(bytes).items.length).toBe(1001);
    expect(() => decodePayload('addr', bytes)).toThrow(expect.objectContaining({ code: 'too-many-entries' }));
  });

  it('a 12-character command: Core and we accept it, bcoin’s parser does not', () => {
    const bytes = frame(NETWORKS.regtest.magic, 'abcdefghijkl', Buffer.from([1, 2, 3, 4]));
    const parser = new bcoin.net.Parser('regtest');
    const errors: Error[] = [];
    parser.on('error', (e: Error) => errors.push(e));
    parser.on('packet', () => errors.push(new Error('unexpected packet')));
    parser.feed(bytes);
    expect(errors.map((e) => e.message)).toEqual(['Non NULL-terminated command.']);
    expect(new Framer(NETWORKS.regtest.magic).push(bytes).map((e) => e.type)).toEqual(['message']);
  });
});
