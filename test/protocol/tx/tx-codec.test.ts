/**
 * The `tx` codec on real transactions (taken from the real blocks by bcoin, not by us), BIP144's
 * edge cases as Core's deserialiser treats them, hostile input (truncation at every byte, counts
 * that lie, trailing bytes), values the wire cannot carry, and properties over random transactions.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload, type OutgoingMessage } from '../../../src/protocol/codec.js';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { hashToHex } from '../../../src/protocol/hash.js';
import { InvType } from '../../../src/protocol/messages/inventory.js';
import {
  isCoinbase,
  serializeTransaction,
  type Transaction,
  type TransactionData,
  transactionFromData,
} from '../../../src/protocol/messages/tx.js';
import { arbTransaction, arbTransactionData } from '../../../testkit/arbitraries.js';
import { decodeBlockBytes, decodeTxBytes, readBlock } from '../../helpers/chain-vectors.js';
import { dsha256, expectProtocolError, expectRoundTrip, hex } from '../support.js';

process.env.NODE_BACKEND ??= 'js';
// bcoin ships no types; this file talks to it dynamically.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const bcoin: Any = createRequire(import.meta.url)('bcoin');

// Transactions cut out of the real blocks by bcoin: a witness spend, a coinbase with the witness
// reserved value, and an ordinary legacy spend.
const block482683: Any = bcoin.Block.fromRaw(readBlock('mainnet-482683'));
const block898352: Any = bcoin.Block.fromRaw(readBlock('testnet3-898352'));
const WITNESS_TX: Buffer = block482683.txs[10].toRaw();
const WITNESS_COINBASE: Buffer = block482683.txs[0].toRaw();
const LEGACY_TX: Buffer = block898352.txs[9].toRaw();

/** The transaction's fields only, as a caller would build them: no raw bytes, no hashes. */
const fieldsOf = (tx: TransactionData): TransactionData => ({
  version: tx.version,
  inputs: tx.inputs.map((i) => ({
    prevout: { hash: Buffer.from(i.prevout.hash), index: i.prevout.index },
    scriptSig: Buffer.from(i.scriptSig),
    sequence: i.sequence,
    witness: i.witness.map((w) => Buffer.from(w)),
  })),
  outputs: tx.outputs.map((o) => ({ value: o.value, scriptPubKey: Buffer.from(o.scriptPubKey) })),
  locktime: tx.locktime,
});

/** Every field of ours against bcoin's parse of the same bytes. */
function expectSameAsBcoin(ours: Transaction, bytes: Buffer): void {
  const theirs: Any = bcoin.TX.fromRaw(bytes);
  expect(ours.txid.equals(theirs.hash())).toBe(true);
  expect(ours.wtxid.equals(theirs.witnessHash())).toBe(true);
  expect(ours.version).toBe(theirs.version);
  expect(ours.locktime).toBe(theirs.locktime);
  expect(ours.size).toBe(theirs.getSize());
  expect(ours.weight).toBe(theirs.getWeight());
  expect(ours.vsize).toBe(theirs.getVirtualSize());
  expect(ours.strippedSize).toBe(theirs.toNormal().length);
  expect(ours.inputs.length).toBe(theirs.inputs.length);
  ours.inputs.forEach((input, i) => {
    const t = theirs.inputs[i];
    expect(input.prevout.hash.toString('hex')).toBe(t.prevout.hash); // bcoin: hex in wire order
    expect(input.prevout.index).toBe(t.prevout.index);
    expect(input.scriptSig.equals(t.script.toRaw())).toBe(true);
    expect(input.sequence).toBe(t.sequence);
    expect(input.witness.map((w) => w.toString('hex'))).toEqual(t.witness.items.map((w: Buffer) => w.toString('hex')));
  });
  expect(ours.outputs.length).toBe(theirs.outputs.length);
  ours.outputs.forEach((output, i) => {
    expect(output.value).toBe(BigInt(theirs.outputs[i].value));
    expect(output.scriptPubKey.equals(theirs.outputs[i].script.toRaw())).toBe(true);
  });
}

describe('tx: real transactions', () => {
  it.each([
    ['a witness spend', WITNESS_TX, true],
    ['a coinbase with its witness reserved value', WITNESS_COINBASE, true],
    ['a legacy spend', LEGACY_TX, false],
  ] as const)('%s: every field, hash and size as bcoin reads them', (_name, bytes, witness) => {
    const tx = decodeTxBytes(Buffer.from(bytes));
    expect(tx.hasWitness).toBe(witness);
    expectSameAsBcoin(tx, bytes);
    // The hashes from first principles: wtxid over all the bytes, txid over the legacy serialisation.
    expect(tx.wtxid.equals(dsha256(bytes))).toBe(true);
    expect(tx.txid.equals(dsha256(bcoin.TX.fromRaw(bytes).toNormal()))).toBe(true);
    expect(tx.weight).toBe(tx.strippedSize * 3 + tx.size);
    if (witness) expect(tx.strippedSize).toBeLessThan(tx.size);
    else expect(tx.wtxid).toBe(tx.txid); // the same Buffer: one hash, computed once
  });

  it('re-encodes to the same bytes, from the decoded value and from its fields alone', () => {
    for (const bytes of [WITNESS_TX, WITNESS_COINBASE, LEGACY_TX]) {
      const tx = decodeTxBytes(Buffer.from(bytes));
      expect(encodePayload({ command: 'tx', payload: tx }).equals(bytes)).toBe(true);
      expect(serializeTransaction(fieldsOf(tx)).equals(bytes)).toBe(true);
      const rebuilt = transactionFromData(fieldsOf(tx));
      expect(hashToHex(rebuilt.txid)).toBe(hashToHex(tx.txid));
      expect(hashToHex(rebuilt.wtxid)).toBe(hashToHex(tx.wtxid));
    }
  });

  it('scripts, witness items, prevout hashes and raw are views into the payload, not copies', () => {
    const payload = Buffer.from(WITNESS_TX);
    const tx = decodeTxBytes(payload);
    expect(tx.raw.buffer).toBe(payload.buffer);
    expect(tx.raw.byteOffset).toBe(payload.byteOffset);
    expect(tx.raw.length).toBe(payload.length);
    // The longest item (a P2WSH multisig's first item is empty).
    const item = tx.inputs[0]!.witness.reduce((a, b) => (b.length > a.length ? b : a));
    expect(item.length).toBeGreaterThan(0);
    expect(item.buffer).toBe(payload.buffer);
    const at = item.byteOffset - payload.byteOffset;
    payload[at] = payload[at]! ^ 0xff;
    expect(item[0]).toBe(payload[at]);
    expect(tx.inputs[0]!.prevout.hash.buffer).toBe(payload.buffer);
    expect(tx.outputs[0]!.scriptPubKey.buffer).toBe(payload.buffer);
  });

  it('a coinbase is recognised by its null prevout', () => {
    expect(isCoinbase(decodeTxBytes(Buffer.from(WITNESS_COINBASE)))).toBe(true);
    expect(isCoinbase(decodeTxBytes(Buffer.from(WITNESS_TX)))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

/** The legacy serialisation of `bytes` turned into BIP144's extended one with these witness stacks. */
function withWitnessSection(legacy: Buffer, flag: number, stacks: Buffer): Buffer {
  return Buffer.concat([legacy.subarray(0, 4), Buffer.from([0, flag]), legacy.subarray(4, -4), stacks, legacy.subarray(-4)]);
}

describe('tx: BIP144 as Core deserialises it', () => {
  const legacy = Buffer.from(LEGACY_TX);
  const inputs = decodeTxBytes(Buffer.from(LEGACY_TX)).inputs.length;
  const emptyStacks = Buffer.alloc(inputs); // one zero count per input

  it('a witness flag with every witness empty is refused ("Superfluous witness record")', () => {
    const bytes = withWitnessSection(legacy, 1, emptyStacks);
    expectProtocolError(() => decodePayload('tx', bytes), 'superfluous-witness');
    // A real witness transaction with its witnesses emptied, likewise.
    const tx = decodeTxBytes(Buffer.from(WITNESS_TX));
    const stripped = serializeTransaction({ ...fieldsOf(tx), inputs: fieldsOf(tx).inputs.map((i) => ({ ...i, witness: [] })) });
    expectProtocolError(() => decodePayload('tx', withWitnessSection(stripped, 1, Buffer.alloc(tx.inputs.length))), 'superfluous-witness');
  });

  it('one non-empty witness among empty ones is a witness transaction', () => {
    const stacks = Buffer.concat([Buffer.alloc(inputs - 1), hex('01 01 ab')]);
    const tx = decodeTxBytes(withWitnessSection(legacy, 1, stacks));
    expect(tx.hasWitness).toBe(true);
    expect(tx.inputs.map((i) => i.witness.length)).toEqual([...new Array(inputs - 1).fill(0), 1]);
    expect(tx.txid.equals(decodeTxBytes(Buffer.from(legacy)).txid)).toBe(true);
    expect(tx.wtxid.equals(tx.txid)).toBe(false);
  });

  it('unknown flag bits are refused ("Unknown transaction optional data"), with or without bit 0', () => {
    expectProtocolError(() => decodePayload('tx', withWitnessSection(legacy, 2, Buffer.alloc(0))), 'unknown-tx-flag');
    expectProtocolError(() => decodePayload('tx', withWitnessSection(legacy, 0x80, Buffer.alloc(0))), 'unknown-tx-flag');
    const stacks = Buffer.concat([Buffer.alloc(inputs - 1), hex('01 01 ab')]);
    expectProtocolError(() => decodePayload('tx', withWitnessSection(legacy, 3, stacks)), 'unknown-tx-flag');
  });

  it('no inputs and a zero byte: read as no inputs, no outputs, as Core reads it', () => {
    const bytes = hex('02000000 00 00 11223344');
    const tx = decodeTxBytes(bytes);
    expect(tx).toMatchObject({ version: 2, inputs: [], outputs: [], locktime: 0x44332211, hasWitness: false, size: 10 });
    expect(tx.txid.equals(dsha256(bytes))).toBe(true);
    expect(encodePayload({ command: 'tx', payload: tx }).equals(bytes)).toBe(true);
  });

  it('no inputs and a non-zero byte is the marker: what follows is read in the extended format', () => {
    // Marker, flag 1, then no inputs and no outputs: a witness section for no inputs is superfluous.
    expectProtocolError(() => decodePayload('tx', hex('01000000 00 01 00 00 00000000')), 'superfluous-witness');
    // Marker, flag 2: unknown, once the rest has been read.
    expectProtocolError(() => decodePayload('tx', hex('01000000 00 02 00 00 00000000')), 'unknown-tx-flag');
  });

  it('outputs without inputs cannot be serialised unambiguously: unencodable, as bcoin refuses it too', () => {
    const tx: TransactionData = { version: 1, inputs: [], outputs: [{ value: 1n, scriptPubKey: hex('51') }], locktime: 0 };
    expectProtocolError(() => serializeTransaction(tx), 'unencodable');
    // What Core would write for it reads back as a marker and flag 1: not the same transaction.
    expectProtocolError(() => decodePayload('tx', hex('01000000 00 01 0100000000000000 01 51 00000000')), 'truncated');
  });
});

// ---------------------------------------------------------------------------------------------

describe('tx: hostile input', () => {
  it.each([
    ['a witness coinbase', WITNESS_COINBASE],
    ['a legacy spend', LEGACY_TX],
  ] as const)('%s cut at every byte: truncated, never a RangeError', (_name, bytes) => {
    for (let cut = 0; cut < bytes.length; cut++) {
      const error = expectProtocolError(() => decodePayload('tx', Buffer.from(bytes.subarray(0, cut))), 'truncated');
      expect(error.command).toBe('tx');
    }
  });

  it('trailing bytes after a transaction are refused (Core ignores them)', () => {
    for (const bytes of [WITNESS_TX, LEGACY_TX]) {
      expectProtocolError(() => decodePayload('tx', Buffer.concat([bytes, hex('00')])), 'trailing-bytes');
    }
  });

  it('counts that lie are refused before anything is allocated for them', () => {
    const lying = [
      // 33,554,432 inputs (Core's MAX_SIZE, the largest count it accepts) in 10 bytes.
      ['inputs', hex('01000000 fe00000002 00000000 00')],
      ['outputs', hex(`01000000 01 ${'00'.repeat(36)} 00 ffffffff fe00000002 00000000`)],
      ['witness items', Buffer.concat([hex('01000000 0001 01'), Buffer.alloc(36), hex('00 ffffffff 00 fe00000002 00000000')])],
      ['a script length', hex(`01000000 01 ${'00'.repeat(36)} fe00000002 00`)],
    ] as const;
    for (const [what, bytes] of lying) {
      const error = expectProtocolError(() => decodePayload('tx', bytes), 'truncated');
      expect(error.message, what).toMatch(/cannot fit|needs \d+ bytes/);
    }
    // Above MAX_SIZE a count is refused as Core refuses it ("size too large"), whatever follows.
    expectProtocolError(() => decodePayload('tx', hex('01000000 ffffffffffffffff00 00000000')), 'too-many-entries');
    expectProtocolError(() => decodePayload('tx', hex('01000000 fe01000002 00000000')), 'too-many-entries');
  });

  it('non-canonical counts are refused', () => {
    expectProtocolError(() => decodePayload('tx', hex(`01000000 fd0100 ${'00'.repeat(41)} 00 00000000`)), 'non-canonical-compact-size');
  });

  it('amounts are signed 64-bit, as Core reads them: negative and huge values decode (consensus refuses them later)', () => {
    const template = decodeTxBytes(Buffer.from(LEGACY_TX));
    for (const value of [-1n, -(1n << 63n), (1n << 63n) - 1n, 1n << 53n, -(1n << 53n) - 1n]) {
      const data = fieldsOf(template);
      const bytes = serializeTransaction({ ...data, outputs: [{ value, scriptPubKey: hex('51') }] });
      expect(decodeTxBytes(bytes).outputs[0]!.value).toBe(value);
    }
  });

  it('random damage to real and random transactions: a value or a ProtocolError, nothing else', () => {
    const corpus = [WITNESS_TX, WITNESS_COINBASE, LEGACY_TX, ...fc.sample(arbTransaction(), { numRuns: 60, seed: 41 }).map((t) => t.raw)];
    let errors = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...corpus),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        (original, flips, cut) => {
          let bytes = Buffer.from(original);
          for (const [at, byte] of flips) bytes[at % bytes.length] = byte;
          if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
          try {
            const tx = decodeTxBytes(bytes);
            // Whatever decodes re-encodes to the bytes it came from.
            expect(encodePayload({ command: 'tx', payload: tx }).equals(bytes)).toBe(true);
          } catch (error) {
            if (!(error instanceof ProtocolError)) throw error;
            errors++;
          }
        },
      ),
      { numRuns: 2000, seed: 42 },
    );
    expect(errors).toBeGreaterThan(200);
  });
});

// ---------------------------------------------------------------------------------------------

describe('tx: encoding', () => {
  const base = (): TransactionData => fieldsOf(decodeTxBytes(Buffer.from(LEGACY_TX)));

  it('values the wire cannot carry are unencodable, not a RangeError', () => {
    const b = base();
    const input = b.inputs[0]!;
    const bad: TransactionData[] = [
      { ...b, version: 2 ** 32 },
      { ...b, version: -1 },
      { ...b, locktime: 1.5 },
      { ...b, inputs: [{ ...input, sequence: -1 }] },
      { ...b, inputs: [{ ...input, prevout: { hash: input.prevout.hash, index: 2 ** 32 } }] },
      { ...b, inputs: [{ ...input, prevout: { hash: Buffer.alloc(31), index: 0 } }] },
      { ...b, outputs: [{ value: 1n << 63n, scriptPubKey: hex('51') }] },
      { ...b, outputs: [{ value: 5 as unknown as bigint, scriptPubKey: hex('51') }] },
    ];
    for (const tx of bad) expectProtocolError(() => serializeTransaction(tx), 'unencodable');
  });

  it('random transactions round-trip: fields, hashes, sizes; re-encoding gives the same bytes', () => {
    fc.assert(
      fc.property(arbTransactionData(), (data) => {
        const bytes = serializeTransaction(data);
        const tx = decodeTxBytes(bytes);
        expect(serializeTransaction(tx).equals(bytes)).toBe(true);
        expect(fieldsOf(tx)).toEqual(fieldsOf(data));
        expect(tx.size).toBe(bytes.length);
        expect(tx.wtxid.equals(dsha256(bytes))).toBe(true);
        const legacy = serializeTransaction({ ...data, inputs: data.inputs.map((i) => ({ ...i, witness: [] })) });
        expect(tx.txid.equals(dsha256(legacy))).toBe(true);
        expect(tx.strippedSize).toBe(legacy.length);
        expect(tx.hasWitness).toBe(data.inputs.some((i) => i.witness.length > 0));
        expectRoundTrip({ command: 'tx', payload: tx });
      }),
      { numRuns: 300, seed: 43 },
    );
  });
});

describe('inventory types for witness transactions and blocks', () => {
  it('MSG_WITNESS_TX, MSG_WITNESS_BLOCK, MSG_WTX and MSG_FILTERED_WITNESS_BLOCK round-trip with Core’s bytes', () => {
    const hash = Buffer.alloc(32, 0xab);
    const cases = [
      [InvType.WITNESS_TX, '01000040'],
      [InvType.WITNESS_BLOCK, '02000040'],
      [InvType.FILTERED_WITNESS_BLOCK, '03000040'],
      [InvType.WTX, '05000000'],
      [InvType.CMPCT_BLOCK, '04000000'],
    ] as const;
    for (const [type, wire] of cases) {
      for (const command of ['inv', 'getdata', 'notfound'] as const) {
        const bytes = expectRoundTrip({ command, payload: { items: [{ type, hash }] } } as OutgoingMessage);
        expect(bytes.toString('hex')).toBe(`01${wire}${hash.toString('hex')}`);
      }
    }
  });
});

describe('decoding the block gives the same transactions as decoding each on its own', () => {
  it('mainnet 482,683: every transaction’s raw view decodes alone to the same hashes', () => {
    const block = decodeBlockBytes(readBlock('mainnet-482683'));
    for (const tx of block.transactions) {
      const alone = decodeTxBytes(Buffer.from(tx.raw));
      expect(alone.txid.equals(tx.txid)).toBe(true);
      expect(alone.wtxid.equals(tx.wtxid)).toBe(true);
    }
  });
});
