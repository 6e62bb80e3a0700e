// Blocks for tests, built with our codec: valid ones (a coinbase, spends with witnesses, a witness
// commitment when they have any) and the bytes of hostile ones that keep a valid block's header.
import { CHAIN_PARAMS } from '../src/chain/params.js';
import { WITNESS_COMMITMENT_HEADER } from '../src/protocol/consensus.js';
import { sha256d } from '../src/protocol/hash.js';
import { computeMerkleRoot, witnessMerkleRoot } from '../src/protocol/merkle.js';
import { type Block, blockFromData } from '../src/protocol/messages/block.js';
import type { BlockHeader } from '../src/protocol/messages/headers.js';
import { type Transaction, type TransactionData, transactionFromData } from '../src/protocol/messages/tx.js';
import { Writer } from '../src/protocol/writer.js';

/** Regtest's easiest target, which our verification does not check (proof of work is the chain's). */
const REGTEST_BITS = 0x207fffff;
const WITNESS_RESERVED = Buffer.alloc(32);

/** A spend with one input (of a made-up output, chosen by `seed`) and, unless `witness: false`, a witness. */
export function spend(seed: number, { witness = true }: { witness?: boolean } = {}): Transaction {
  const prev = sha256d(Buffer.from(`prevout ${seed}`));
  return transactionFromData({
    version: 2,
    inputs: [
      {
        prevout: { hash: prev, index: seed % 4 },
        scriptSig: witness ? Buffer.alloc(0) : Buffer.from([0x51]),
        sequence: 0xffff_fffd,
        witness: witness ? [Buffer.alloc(71, seed & 0xff), Buffer.alloc(33, 2)] : [],
      },
    ],
    outputs: [{ value: 10_000n + BigInt(seed), scriptPubKey: Buffer.concat([Buffer.from([0x00, 0x14]), sha256d(Buffer.from([seed])).subarray(0, 20)]) }],
    locktime: 0,
  });
}

function coinbase(height: number, commitment: Buffer | null): TransactionData {
  const heightPush = Buffer.alloc(4);
  heightPush.writeUInt32LE(height);
  const outputs = [{ value: 50_0000_0000n, scriptPubKey: Buffer.from([0x51]) }];
  if (commitment) outputs.push({ value: 0n, scriptPubKey: Buffer.concat([WITNESS_COMMITMENT_HEADER, commitment]) });
  return {
    version: 2,
    inputs: [
      {
        prevout: { hash: Buffer.alloc(32), index: 0xffff_ffff },
        scriptSig: Buffer.concat([Buffer.from([0x04]), heightPush, Buffer.from('btc-statechart test')]),
        sequence: 0xffff_ffff,
        witness: commitment ? [WITNESS_RESERVED] : [],
      },
    ],
    outputs,
    locktime: 0,
  };
}

/** What a test block is made of. */
export interface TestBlockOptions {
  /** The parent's hash (wire order); zeros by default. */
  prevBlock?: Buffer;
  /** Put into the coinbase, so that blocks differ. */
  height?: number;
  /** Transactions after the coinbase. */
  transactions?: readonly Transaction[];
  time?: number;
}

/**
 * A block that passes verifyBlock: a coinbase, the transactions given and, when one of them has a
 * witness, the coinbase's witness commitment (BIP141).
 */
export function makeBlock({ prevBlock = Buffer.alloc(32), height = 1, transactions = [], time = 1_700_000_000 }: TestBlockOptions = {}): Block {
  let commitment: Buffer | null = null;
  if (transactions.some((tx) => tx.hasWitness)) {
    const root = witnessMerkleRoot([{ wtxid: Buffer.alloc(32) }, ...transactions]);
    commitment = sha256d(Buffer.concat([root, WITNESS_RESERVED]));
  }
  const all: TransactionData[] = [coinbase(height, commitment), ...transactions];
  const txids = all.map((tx) => transactionFromData(tx).txid);
  const header: BlockHeader = {
    version: 0x2000_0000,
    prevBlock,
    merkleRoot: computeMerkleRoot(txids).root,
    time,
    bits: REGTEST_BITS,
    nonce: height,
  };
  return blockFromData({ header, transactions: all });
}

/** A chain of `count` blocks on top of `prevBlock` (zeros: a chain of its own). */
export function makeChain(count: number, prevBlock: Buffer = Buffer.alloc(32)): Block[] {
  const blocks: Block[] = [];
  let prev = prevBlock;
  for (let h = 1; h <= count; h++) {
    const block = makeBlock({ prevBlock: prev, height: h, transactions: [spend(h)] });
    blocks.push(block);
    prev = block.hash;
  }
  return blocks;
}

/** The header, the count, then the transactions' bytes as given: a block body of our choosing under a header. */
export function blockBytes(header: Buffer, transactions: readonly Uint8Array[]): Buffer {
  const w = new Writer(80 + transactions.reduce((n, t) => n + t.length, 9));
  w.bytes(header).compactSize(transactions.length);
  for (const tx of transactions) w.bytes(tx);
  return w.finish();
}

const headerOf = (block: Block): Buffer => Buffer.from(block.raw.subarray(0, 80));

/** The block's header over a changed transaction (an output's amount): the merkle root no longer matches. */
export function withBadMerkleRoot(block: Block): Buffer {
  const txs: Uint8Array[] = block.transactions.map((tx) => Buffer.from(tx.raw));
  const last = block.transactions.at(-1)!;
  const changed = transactionFromData({
    ...last,
    outputs: last.outputs.map((o, i) => (i === 0 ? { ...o, value: o.value + 1n } : o)),
  });
  txs[txs.length - 1] = Buffer.from(changed.raw);
  return blockBytes(headerOf(block), txs);
}

/**
 * The block's header and transactions with one witness item changed: every txid and so the merkle
 * root stay right, the witness commitment no longer matches. The block must have a spend with a witness.
 */
export function withBadWitnessCommitment(block: Block): Buffer {
  const index = block.transactions.findIndex((tx, i) => i > 0 && tx.hasWitness);
  if (index < 0) throw new Error('the block has no spend with a witness');
  const tx = block.transactions[index]!;
  const changed = transactionFromData({
    ...tx,
    inputs: tx.inputs.map((input, i) =>
      i === 0 ? { ...input, witness: input.witness.map((item, j) => (j === 0 ? Buffer.alloc(item.length, 0xee) : item)) } : input,
    ),
  });
  return blockBytes(
    headerOf(block),
    block.transactions.map((t, i) => (i === index ? changed.raw : t.raw)),
  );
}

/**
 * A transaction's bytes with the BIP144 marker and flag but every witness empty: what Core refuses
 * to deserialise ("Superfluous witness record").
 */
export function superfluousWitnessBytes(tx: Transaction): Buffer {
  const w = new Writer(tx.size + 8);
  w.u32(tx.version).u8(0).u8(1).compactSize(tx.inputs.length);
  for (const input of tx.inputs) w.bytes(input.prevout.hash).u32(input.prevout.index).varBytes(input.scriptSig).u32(input.sequence);
  w.compactSize(tx.outputs.length);
  for (const output of tx.outputs) w.i64(output.value).varBytes(output.scriptPubKey);
  for (let i = 0; i < tx.inputs.length; i++) w.compactSize(0);
  w.u32(tx.locktime);
  return w.finish();
}

/** The block's header over its transactions with the last one carrying a witness flag and no witness. */
export function withSuperfluousWitness(block: Block): Buffer {
  const txs: Uint8Array[] = block.transactions.map((tx) => Buffer.from(tx.raw));
  txs[txs.length - 1] = superfluousWitnessBytes(block.transactions.at(-1)!);
  return blockBytes(headerOf(block), txs);
}

/**
 * The coinbase of every network's genesis block (Core's CreateGenesisBlock: "The Times 03/Jan/2009
 * Chancellor on brink of second bailout for banks", 50 BTC to Satoshi's key).
 */
const GENESIS_COINBASE =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';

/** Regtest's genesis block, whole (hash 0f9188f1…6e2206): the block every regtest node can serve. */
export const regtestGenesisBlock = (): Buffer =>
  blockBytes(CHAIN_PARAMS.regtest.genesisHeader, [Buffer.from(GENESIS_COINBASE, 'hex')]);
