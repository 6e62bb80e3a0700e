// The `block` payload: a header and its transactions, with the block hash, sizes and weight taken from the bytes read.
import { MAX_BLOCK_WEIGHT, WITNESS_SCALE_FACTOR } from '../consensus.js';
import { sha256dRangesInto } from '../hash.js';
import { Reader } from '../reader.js';
import { compactSizeLength, Writer } from '../writer.js';
import { BLOCK_HEADER_SIZE, type BlockHeader, decodeBlockHeader, encodeBlockHeader } from './headers.js';
import { MIN_TRANSACTION_SIZE, readTransaction, type Transaction, type TransactionData, writeTransaction } from './tx.js';

/** What a block is made of: what you give `blockFromData` to build one. */
export interface BlockData {
  readonly header: BlockHeader;
  readonly transactions: readonly TransactionData[];
}

/**
 * A decoded block. Like a Transaction, its hash, sizes and weight come from the bytes it was read
 * from, and its header hashes, scripts and `raw` are views into the received payload.
 */
export interface Block extends BlockData {
  /** Double SHA-256 of the 80-byte header, in wire order (`hashToHex` for display). */
  readonly hash: Buffer;
  readonly transactions: readonly Transaction[];
  /** The bytes the block was read from, exactly. */
  readonly raw: Buffer;
  /** Bytes with witnesses (`raw.length`). */
  readonly size: number;
  /** Bytes without any transaction's marker, flag and witnesses. */
  readonly strippedSize: number;
  /** strippedSize × 3 + size; at most MAX_BLOCK_WEIGHT, or the block is not decoded. */
  readonly weight: number;
}

/**
 * Reads a block that fills the reader exactly. A transaction count the remaining bytes cannot hold,
 * bytes after the last transaction, and a weight over MAX_BLOCK_WEIGHT are ProtocolErrors.
 *
 * Core reads a block with no count check of its own (the 4 MB message bounds it) and leaves weight to
 * ContextualCheckBlock; we refuse an over-weight block here already, because no valid block can be one.
 */
export function decodeBlock(r: Reader): Block {
  const buf = r.buffer;
  const start = r.offset;
  const header = decodeBlockHeader(r);
  const hash = Buffer.allocUnsafe(32);
  sha256dRangesInto(buf, [start, start + BLOCK_HEADER_SIZE], hash, 0);
  const count = r.compactSize('transaction count');
  if (count > r.remaining / MIN_TRANSACTION_SIZE) {
    r.fail('truncated', `${count} transactions cannot fit in the ${r.remaining} bytes left`);
  }
  const transactions: Transaction[] = new Array(count);
  let witnessBytes = 0;
  for (let i = 0; i < count; i++) {
    const tx = readTransaction(r);
    witnessBytes += tx.size - tx.strippedSize;
    transactions[i] = tx;
  }
  if (r.remaining > 0) r.fail('trailing-bytes', `${r.remaining} bytes after the last transaction`);
  const size = r.offset - start;
  const strippedSize = size - witnessBytes;
  const weight = strippedSize * (WITNESS_SCALE_FACTOR - 1) + size;
  if (weight > MAX_BLOCK_WEIGHT) {
    r.fail('oversized-block', `block weight ${weight} is over the limit of ${MAX_BLOCK_WEIGHT}`);
  }
  return { header, hash, transactions, raw: r.view(start, size), size, strippedSize, weight };
}

/** Serialises header, transaction count and every transaction (with its witnesses). */
export function encodeBlock(w: Writer, block: BlockData): void {
  encodeBlockHeader(w, block.header);
  w.compactSize(block.transactions.length);
  for (const tx of block.transactions) writeTransaction(w, tx);
}

/** The serialisation of `block`, in one allocation when its transactions carry their sizes. */
export function serializeBlock(block: BlockData): Buffer {
  let hint = BLOCK_HEADER_SIZE + compactSizeLength(block.transactions.length);
  for (const tx of block.transactions) hint += 'size' in tx && typeof tx.size === 'number' ? tx.size : 256;
  const w = new Writer(hint);
  encodeBlock(w, block);
  return w.finish();
}

/** A complete Block (hash, sizes, every transaction's hashes) from its fields, read back like a received one. */
export function blockFromData(data: BlockData): Block {
  return decodeBlock(new Reader(serializeBlock(data), 'block'));
}
