/**
 * Hostile blocks, built from the real ones: a merkle root that does not match, the CVE-2012-2459
 * mutation (a duplicated tail with the same root and block hash), a bad witness commitment or reserved
 * value, a witness without a commitment, coinbase and CheckTransaction failures, the sigop limit, the
 * wrong block; and at the codec: trailing bytes, counts that lie, truncation at every byte,
 * over-weight, random damage.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BlockVerification, verifyBlock } from '../../../src/protocol/block-verify.js';
import { decodePayload } from '../../../src/protocol/codec.js';
import { MAX_BLOCK_WEIGHT } from '../../../src/protocol/consensus.js';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { computeMerkleRoot } from '../../../src/protocol/merkle.js';
import { type Block, blockFromData, serializeBlock } from '../../../src/protocol/messages/block.js';
import type { Transaction, TransactionData, TxInput } from '../../../src/protocol/messages/tx.js';
import { compactSizeLength, Writer } from '../../../src/protocol/writer.js';
import { decodeBlockBytes, readBlock } from '../../helpers/chain-vectors.js';
import { expectProtocolError } from '../support.js';

const real = (name: Parameters<typeof readBlock>[0]): Block => decodeBlockBytes(readBlock(name));

/** Header and count, then the given transactions' own bytes: a block with exactly this list. */
function withTransactions(block: Block, transactions: readonly Transaction[]): Buffer {
  const w = new Writer(block.size + 1024);
  w.bytes(block.raw.subarray(0, 80)).compactSize(transactions.length);
  for (const tx of transactions) w.bytes(tx.raw);
  return w.finish();
}

/** A block of these transactions under the same header but with the merkle root that fits them. */
function rebuilt(block: Block, transactions: readonly TransactionData[]): Block {
  const draft = blockFromData({ header: block.header, transactions });
  const { root } = computeMerkleRoot(draft.transactions.map((t) => t.txid));
  return blockFromData({ header: { ...block.header, merkleRoot: root }, transactions });
}

const replaceTx = (block: Block, index: number, tx: TransactionData): TransactionData[] =>
  block.transactions.map((t, i) => (i === index ? tx : t));

const withInput = (tx: TransactionData, index: number, change: Partial<TxInput>): TransactionData => ({
  ...tx,
  inputs: tx.inputs.map((input, i) => (i === index ? { ...input, ...change } : input)),
});

function expectRejected(result: BlockVerification, reason: string, mutated: boolean): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.reason, result.message).toBe(reason);
  expect(result.mutated).toBe(mutated);
}

describe('verifyBlock: transactions that are not the header’s', () => {
  it('a changed transaction: bad-txnmrklroot, mutated (the header is not to blame)', () => {
    const raw = readBlock('testnet3-898352');
    const block = decodeBlockBytes(raw);
    const script = block.transactions[3]!.inputs[0]!.scriptSig;
    script[script.length - 1] = script[script.length - 1]! ^ 1; // a view: this changes `raw`
    const damaged = decodeBlockBytes(raw);
    expect(damaged.hash.equals(block.hash)).toBe(true);
    expectRejected(verifyBlock(damaged), 'bad-txnmrklroot', true);
  });

  it('CVE-2012-2459: the last transaction repeated keeps the root and the hash, and is bad-txns-duplicate', () => {
    const block = real('mainnet-300025');
    expect(block.transactions.length % 2).toBe(1);
    const mutated = decodeBlockBytes(withTransactions(block, [...block.transactions, block.transactions.at(-1)!]));
    expect(mutated.transactions.length).toBe(462);
    expect(mutated.hash.equals(block.hash)).toBe(true);
    expect(computeMerkleRoot(mutated.transactions.map((t) => t.txid)).root.equals(block.header.merkleRoot)).toBe(true);
    expectRejected(verifyBlock(mutated), 'bad-txns-duplicate', true);
  });

  it('CVE-2012-2459 one level up: the last pair repeated ([1..10, 9, 10])', () => {
    const block = real('testnet3-898352');
    expect(block.transactions.length).toBe(10); // 10 leaves, 5 nodes above: the fifth pairs with itself
    const txs = block.transactions;
    const mutated = decodeBlockBytes(withTransactions(block, [...txs, txs[8]!, txs[9]!]));
    const { root, mutated: flagged } = computeMerkleRoot(mutated.transactions.map((t) => t.txid));
    expect(root.equals(block.header.merkleRoot)).toBe(true);
    expect(flagged).toBe(true);
    expectRejected(verifyBlock(mutated), 'bad-txns-duplicate', true);
  });

  it('a witness changed under a valid commitment: bad-witness-merkle-match (txids, root and hash unchanged)', () => {
    const raw = readBlock('mainnet-482683');
    const block = decodeBlockBytes(raw);
    const spend = block.transactions.findIndex((t, i) => i > 0 && t.hasWitness);
    const item = block.transactions[spend]!.inputs.flatMap((i) => i.witness).find((w) => w.length > 0)!;
    item[0] = item[0]! ^ 0xff;
    const damaged = decodeBlockBytes(raw);
    expect(damaged.transactions[spend]!.txid.equals(block.transactions[spend]!.txid)).toBe(true);
    expectRejected(verifyBlock(damaged), 'bad-witness-merkle-match', true);
  });

  it('a coinbase reserved value that is not one 32-byte item: bad-witness-nonce-size', () => {
    const block = real('mainnet-482683');
    const coinbase = block.transactions[0]!;
    const reserved = coinbase.inputs[0]!.witness[0]!;
    for (const witness of [[reserved.subarray(0, 31)], [reserved, reserved], [Buffer.concat([reserved, Buffer.alloc(1)])]]) {
      const damaged = blockFromData({ header: block.header, transactions: replaceTx(block, 0, withInput(coinbase, 0, { witness })) });
      // The coinbase's wtxid is not in the witness tree and its txid ignores witnesses: only this check sees it.
      expect(damaged.transactions[0]!.txid.equals(coinbase.txid)).toBe(true);
      expectRejected(verifyBlock(damaged), 'bad-witness-nonce-size', true);
    }
    // No witness at all on the coinbase of a block with a commitment: the same.
    const bare = blockFromData({ header: block.header, transactions: replaceTx(block, 0, withInput(coinbase, 0, { witness: [] })) });
    expectRejected(verifyBlock(bare), 'bad-witness-nonce-size', true);
  });

  it('a witness in a block without a commitment: unexpected-witness', () => {
    const block = real('testnet3-898352');
    const tx = block.transactions[4]!;
    const damaged = blockFromData({
      header: block.header,
      transactions: replaceTx(block, 4, withInput(tx, 0, { witness: [Buffer.from('stuffed')] })),
    });
    expect(damaged.hash.equals(block.hash)).toBe(true);
    expect(damaged.transactions[4]!.txid.equals(tx.txid)).toBe(true);
    const result = verifyBlock(damaged);
    expectRejected(result, 'unexpected-witness', true);
    expect(!result.ok && result.txIndex).toBe(4);
  });

  it('not the block asked for: unexpected-block-hash', () => {
    const block = real('testnet3-898352');
    const other = real('mainnet-482683');
    expectRejected(verifyBlock(block, { expectedHash: other.hash }), 'unexpected-block-hash', true);
    expect(verifyBlock(block, { expectedHash: Buffer.from(block.hash) }).ok).toBe(true);
  });
});

describe('verifyBlock: consensus rules (a consistent block that breaks them)', () => {
  const block = real('testnet3-898352');
  const coinbase = block.transactions[0]!;

  it('the first transaction is not a coinbase: bad-cb-missing', () => {
    expectRejected(verifyBlock(rebuilt(block, block.transactions.slice(1))), 'bad-cb-missing', false);
  });

  it('without a coinbase, a 64-byte transaction makes the block count as mutated (Core’s IsBlockMutated)', () => {
    const spend = block.transactions[1]!;
    const tx64: TransactionData = {
      version: 1,
      inputs: [{ prevout: spend.inputs[0]!.prevout, scriptSig: Buffer.alloc(0), sequence: 0, witness: [] }],
      outputs: [{ value: 1n, scriptPubKey: Buffer.alloc(4) }],
      locktime: 0,
    };
    const candidate = rebuilt(block, [tx64, ...block.transactions.slice(1)]);
    expect(candidate.transactions[0]!.strippedSize).toBe(64);
    expectRejected(verifyBlock(candidate), 'bad-cb-missing', true);
  });

  it('a second coinbase: bad-cb-multiple', () => {
    const second = withInput(coinbase, 0, { scriptSig: Buffer.from('0badc0de', 'hex') });
    const result = verifyBlock(rebuilt(block, [...block.transactions, second]));
    expectRejected(result, 'bad-cb-multiple', false);
    expect(!result.ok && result.txIndex).toBe(10);
  });

  it('CheckTransaction, in the block: duplicate inputs, negative amounts, a short coinbase script, a null prevout', () => {
    const spend = block.transactions[5]!; // three inputs
    expect(spend.inputs.length).toBe(3);
    const cases: [TransactionData[], string, number][] = [
      [replaceTx(block, 5, withInput(spend, 1, { prevout: spend.inputs[0]!.prevout })), 'bad-txns-inputs-duplicate', 5],
      [replaceTx(block, 5, { ...spend, outputs: [{ value: -1n, scriptPubKey: Buffer.alloc(1) }] }), 'bad-txns-vout-negative', 5],
      [replaceTx(block, 5, { ...spend, outputs: [] }), 'bad-txns-vout-empty', 5],
      [replaceTx(block, 0, withInput(coinbase, 0, { scriptSig: Buffer.alloc(1) })), 'bad-cb-length', 0],
      [
        replaceTx(block, 5, withInput(spend, 2, { prevout: { hash: Buffer.alloc(32), index: 0xffff_ffff } })),
        'bad-txns-prevout-null',
        5,
      ],
    ];
    for (const [transactions, reason, index] of cases) {
      const result = verifyBlock(rebuilt(block, transactions));
      expectRejected(result, reason, false);
      expect(!result.ok && result.txIndex).toBe(index);
    }
  });

  it('more than 20,000 legacy signature operations: bad-blk-sigops; exactly 20,000 passes', () => {
    const spend = block.transactions[1]!;
    const base = verifyBlock(block);
    if (!base.ok) throw new Error(base.message);
    // One more output script of OP_CHECKMULTISIGs (20 each) and OP_CHECKSIGs (1 each).
    const withSigops = (n: number): Block => {
      const script = Buffer.concat([Buffer.alloc(Math.floor(n / 20), 0xae), Buffer.alloc(n % 20, 0xac)]);
      return rebuilt(block, replaceTx(block, 1, { ...spend, outputs: [...spend.outputs, { value: 0n, scriptPubKey: script }] }));
    };
    const room = 20_000 - base.sigops;
    expect(verifyBlock(withSigops(room))).toMatchObject({ ok: true, sigops: 20_000 });
    expectRejected(verifyBlock(withSigops(room + 1)), 'bad-blk-sigops', false);
  });

  it('the size and weight limits (reachable only with a hand-made Block: the codec refuses such bytes)', () => {
    expectRejected(verifyBlock({ ...block, weight: MAX_BLOCK_WEIGHT + 1 }), 'bad-blk-weight', false);
    expectRejected(verifyBlock({ ...block, strippedSize: MAX_BLOCK_WEIGHT / 4 + 1 }), 'bad-blk-length', false);
    expectRejected(verifyBlock({ ...block, transactions: [] , header: { ...block.header, merkleRoot: Buffer.alloc(32) } }), 'bad-blk-length', false);
  });
});

describe('decoding hostile blocks', () => {
  it('trailing bytes after the last transaction: trailing-bytes', () => {
    expectProtocolError(() => decodePayload('block', Buffer.concat([readBlock('testnet3-898352'), Buffer.alloc(1)])), 'trailing-bytes');
  });

  it('counts that lie: one more is truncated, one fewer leaves trailing bytes, a huge one is refused before allocating', () => {
    const raw = readBlock('testnet3-898352');
    expect(raw[80]).toBe(10);
    const withCount = (count: Buffer): Buffer => Buffer.concat([raw.subarray(0, 80), count, raw.subarray(81)]);
    expectProtocolError(() => decodePayload('block', withCount(Buffer.from([11]))), 'truncated');
    expectProtocolError(() => decodePayload('block', withCount(Buffer.from([9]))), 'trailing-bytes');
    const huge = expectProtocolError(() => decodePayload('block', withCount(Buffer.from('fe00000002', 'hex'))), 'truncated');
    expect(huge.message).toMatch(/cannot fit/);
    expectProtocolError(() => decodePayload('block', withCount(Buffer.from('ffffffffffffffffff', 'hex'))), 'too-many-entries');
  });

  it('a block cut at every byte: truncated, never a RangeError', () => {
    const raw = readBlock('testnet3-898352');
    for (let cut = 0; cut < raw.length; cut++) {
      const error = expectProtocolError(() => decodePayload('block', raw.subarray(0, cut)), 'truncated');
      expect(error.command).toBe('block');
    }
  });

  it('over 4,000,000 weight units: oversized-block, even though the bytes fit in a message', () => {
    const block = real('testnet3-898352');
    // Three transactions with 333,400-byte output scripts: about 1,000,400 bytes without witnesses.
    const big = (n: number): TransactionData => ({
      ...block.transactions[1]!,
      outputs: [{ value: BigInt(n), scriptPubKey: Buffer.alloc(333_400, 0x6a) }],
    });
    const bytes = serializeBlock({ header: block.header, transactions: [block.transactions[0]!, big(1), big(2), big(3)] });
    expect(bytes.length).toBeLessThan(4_000_000);
    expect(bytes.length * 4).toBeGreaterThan(MAX_BLOCK_WEIGHT);
    const error = expectProtocolError(() => decodePayload('block', bytes), 'oversized-block');
    expect(error.message).toMatch(/weight \d+ is over the limit of 4000000/);
    // A block of exactly the limit decodes.
    const header80 = 80 + compactSizeLength(2);
    const first = block.transactions[0]!.size;
    const fill = MAX_BLOCK_WEIGHT / 4 - header80 - first;
    const exact: TransactionData = { ...big(0), outputs: [{ value: 0n, scriptPubKey: Buffer.alloc(0) }] };
    const overhead = serializeBlock({ header: block.header, transactions: [block.transactions[0]!, exact] }).length - header80 - first;
    const scriptLength = fill - overhead - (compactSizeLength(fill) - 1);
    const atLimit = serializeBlock({
      header: block.header,
      transactions: [block.transactions[0]!, { ...exact, outputs: [{ value: 0n, scriptPubKey: Buffer.alloc(scriptLength) }] }],
    });
    expect(decodeBlockBytes(atLimit).weight).toBe(MAX_BLOCK_WEIGHT);
  });

  it('random damage to a real block: a block or a ProtocolError; verifyBlock never throws on what decodes', () => {
    const original = readBlock('mainnet-482683');
    let decoded = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (flips, cut) => {
          let bytes = Buffer.from(original);
          for (const [at, byte] of flips) bytes[at % bytes.length] = byte;
          if (cut !== undefined && cut % 3 === 0) bytes = bytes.subarray(0, cut % (bytes.length + 1));
          let block: Block;
          try {
            block = decodeBlockBytes(bytes);
          } catch (error) {
            if (!(error instanceof ProtocolError)) throw error;
            refused++;
            return;
          }
          decoded++;
          const result = verifyBlock(block);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 600, seed: 51 },
    );
    expect(decoded).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});
