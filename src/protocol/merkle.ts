// Merkle roots of a block's transactions, as Core's consensus/merkle.cpp computes them, with the CVE-2012-2459 mutation flag.
import { doubleSha256PairInto } from './sha256.js';

/** A merkle root and whether the tree was mutated (CVE-2012-2459). */
export interface MerkleRoot {
  /** 32 bytes in wire order; all zeros for no leaves, as Core returns. */
  readonly root: Buffer;
  /**
   * Two equal hashes were paired on some level. Bitcoin's tree pairs the last node of an odd level
   * with itself, so transactions [1..6] and [1..6, 5, 6] give the same root: a block whose list
   * repeats a tail like that matches its header and is still invalid (Core's `bad-txns-duplicate`).
   */
  readonly mutated: boolean;
}

/** The root over `leaves` (32-byte hashes in wire order), computed level by level in one buffer. */
export function computeMerkleRoot(leaves: readonly Uint8Array[]): MerkleRoot {
  let count = leaves.length;
  if (count === 0) return { root: Buffer.alloc(32), mutated: false };
  // One spare slot for the duplicated last node of an odd level.
  const level = Buffer.allocUnsafe((count + 1) * 32);
  for (let i = 0; i < count; i++) {
    const leaf = leaves[i]!;
    if (leaf.length !== 32) throw new TypeError(`merkle leaf ${i} is ${leaf.length} bytes, not 32`);
    level.set(leaf, i * 32);
  }
  let mutated = false;
  while (count > 1) {
    for (let pos = 0; pos + 1 < count; pos += 2) {
      if (!mutated && equal32(level, pos * 32, (pos + 1) * 32)) mutated = true;
    }
    if (count & 1) {
      level.copyWithin(count * 32, (count - 1) * 32, count * 32);
      count++;
    }
    // Parent i lands where child 2i was: every pair is read before anything is written over it.
    for (let i = 0; i < count / 2; i++) doubleSha256PairInto(level, i * 64, level, i * 64 + 32, level, i * 32);
    count /= 2;
  }
  return { root: Buffer.from(level.subarray(0, 32)), mutated };
}

/** The root over the transactions' txids (the header's merkle root). */
export const transactionMerkleRoot = (transactions: readonly { txid: Uint8Array }[]): MerkleRoot =>
  computeMerkleRoot(transactions.map((tx) => tx.txid));

/**
 * The witness root (BIP141): the root over the wtxids, the coinbase's taken as 32 zero bytes. Its
 * mutation flag means nothing: the txid tree already refuses what it would catch (Core ignores it too).
 */
export function witnessMerkleRoot(transactions: readonly { wtxid: Uint8Array }[]): Buffer {
  const leaves = transactions.map((tx) => tx.wtxid);
  if (leaves.length > 0) leaves[0] = ZERO_HASH;
  return computeMerkleRoot(leaves).root;
}

const ZERO_HASH = new Uint8Array(32);

function equal32(buf: Uint8Array, a: number, b: number): boolean {
  for (let i = 0; i < 32; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}
