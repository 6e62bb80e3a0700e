// CheckTransaction's rules one by one, in Core's order, on a real transaction (Core's tx_invalid rows are in core-vectors.test.ts).
import { describe, expect, it } from 'vitest';
import { MAX_MONEY } from '../../../src/protocol/consensus.js';
import type { TransactionData, TxInput } from '../../../src/protocol/messages/tx.js';
import { checkTransaction, strippedSizeOf } from '../../../src/protocol/tx-check.js';
import { decodeBlockBytes, readBlock } from '../../helpers/chain-vectors.js';

const block = decodeBlockBytes(readBlock('testnet3-898352'));
const coinbase = block.transactions[0]!;
const spend = block.transactions[5]!;
const input = (hashByte: number, index: number): TxInput => ({
  prevout: { hash: Buffer.alloc(32, hashByte), index },
  scriptSig: Buffer.alloc(0),
  sequence: 0,
  witness: [],
});
const out = (value: bigint) => ({ value, scriptPubKey: Buffer.from([0x51]) });

describe('checkTransaction', () => {
  it('real transactions pass', () => {
    for (const tx of block.transactions) expect(checkTransaction(tx)).toBeNull();
  });

  it('each rule, in Core’s order', () => {
    const cases: [TransactionData, string][] = [
      [{ ...spend, inputs: [] }, 'bad-txns-vin-empty'],
      [{ ...spend, outputs: [] }, 'bad-txns-vout-empty'],
      [{ ...spend, inputs: [], outputs: [] }, 'bad-txns-vin-empty'],
      [{ ...spend, outputs: [out(-1n)] }, 'bad-txns-vout-negative'],
      [{ ...spend, outputs: [out(MAX_MONEY + 1n)] }, 'bad-txns-vout-toolarge'],
      [{ ...spend, outputs: [out(MAX_MONEY), out(1n)] }, 'bad-txns-txouttotal-toolarge'],
      [{ ...spend, outputs: [out(1n), out(-1n), out(MAX_MONEY + 1n)] }, 'bad-txns-vout-negative'],
      [{ ...coinbase, inputs: [{ ...coinbase.inputs[0]!, scriptSig: Buffer.alloc(101) }] }, 'bad-cb-length'],
      [{ ...spend, inputs: [input(1, 0), input(1, 0)] }, 'bad-txns-inputs-duplicate'],
      [{ ...spend, inputs: [input(0, 0xffff_ffff), input(0, 0xffff_ffff)] }, 'bad-txns-inputs-duplicate'],
      [{ ...spend, inputs: [input(1, 0), input(0, 0xffff_ffff)] }, 'bad-txns-prevout-null'],
    ];
    for (const [tx, reason] of cases) expect(checkTransaction(tx)).toBe(reason);
    // A coinbase's script may be 2 to 100 bytes; a lone null prevout is a coinbase, not a null spend.
    expect(checkTransaction({ ...coinbase, inputs: [{ ...coinbase.inputs[0]!, scriptSig: Buffer.alloc(100) }] })).toBeNull();
    expect(checkTransaction({ ...coinbase, inputs: [{ ...coinbase.inputs[0]!, scriptSig: Buffer.alloc(2) }] })).toBeNull();
    expect(checkTransaction({ ...spend, inputs: [input(1, 0), input(1, 1), input(2, 0)] })).toBeNull();
  });

  it('duplicates among many inputs (the set path) as among few (the pairwise path)', () => {
    const many = Array.from({ length: 100 }, (_, i) => input(i % 50, Math.floor(i / 50)));
    expect(checkTransaction({ ...spend, inputs: many })).toBeNull();
    expect(checkTransaction({ ...spend, inputs: [...many, input(7, 1)] })).toBe('bad-txns-inputs-duplicate');
    expect(checkTransaction({ ...spend, inputs: [...many, input(0, 0xffff_ffff)] })).toBe('bad-txns-prevout-null');
  });

  it('over a block’s weight without witnesses: bad-txns-oversize, judged from the fields (a stale strippedSize is ignored)', () => {
    const huge: TransactionData = { ...spend, outputs: [{ value: 1n, scriptPubKey: Buffer.alloc(1_000_000) }] };
    expect(checkTransaction(huge)).toBe('bad-txns-oversize');
    const justUnder = 1_000_000 - (spend.strippedSize - spend.outputs.reduce((n, o) => n + 8 + 1 + o.scriptPubKey.length, 0)) - 8 - 5;
    expect(checkTransaction({ ...spend, outputs: [{ value: 1n, scriptPubKey: Buffer.alloc(justUnder) }] })).toBeNull();
    expect(checkTransaction({ ...spend, outputs: [{ value: 1n, scriptPubKey: Buffer.alloc(justUnder + 1) }] })).toBe('bad-txns-oversize');
  });

  it('strippedSizeOf adds up to the serialised size, for every real transaction', () => {
    for (const tx of [...block.transactions, ...decodeBlockBytes(readBlock('mainnet-482683')).transactions]) {
      expect(strippedSizeOf(tx)).toBe(tx.strippedSize);
    }
  });
});
