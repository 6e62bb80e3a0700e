// Verifies a decoded block against its own header, as Core's CheckBlock and the witness and weight parts of ContextualCheckBlock do.
import {
  MAX_BLOCK_SIGOPS_COST,
  MAX_BLOCK_WEIGHT,
  MINIMUM_WITNESS_COMMITMENT,
  WITNESS_COMMITMENT_HEADER,
  WITNESS_SCALE_FACTOR,
} from './consensus.js';
import { hashToHex } from './hash.js';
import { transactionMerkleRoot, witnessMerkleRoot } from './merkle.js';
import type { Block } from './messages/block.js';
import { isCoinbase, type TransactionData } from './messages/tx.js';
import { doubleSha256PairInto } from './sha256.js';
import { transactionLegacySigOps } from './sigops.js';
import { checkTransaction, type TransactionRejectReason } from './tx-check.js';

/** Why a block is refused: Core's reject reasons, plus `unexpected-block-hash` (ours: not the block asked for). */
export type BlockRejectReason =
  | 'unexpected-block-hash'
  | 'bad-txnmrklroot'
  | 'bad-txns-duplicate'
  | 'bad-blk-length'
  | 'bad-cb-missing'
  | 'bad-cb-multiple'
  | TransactionRejectReason
  | 'bad-blk-sigops'
  | 'bad-witness-nonce-size'
  | 'bad-witness-merkle-match'
  | 'unexpected-witness'
  | 'bad-blk-weight';

/** What verifyBlock found: the roots it computed, or the first rule broken. */
export type BlockVerification =
  | {
      readonly ok: true;
      /** The root over the txids, equal to the header's. */
      readonly merkleRoot: Buffer;
      /** The witness root the coinbase commits to, when it has a commitment (and segwit is active). */
      readonly witnessRoot: Buffer | null;
      /** Legacy signature operations, the count Core's CheckBlock limits. */
      readonly sigops: number;
    }
  | {
      readonly ok: false;
      readonly reason: BlockRejectReason;
      /**
       * The bytes do not match what the header commits to (Core's BLOCK_MUTATED): the failure says
       * nothing about the block the header names, which must not be marked invalid; the peer that
       * sent these bytes is the one to blame. False: the block itself breaks a consensus rule.
       */
      readonly mutated: boolean;
      /** The transaction at fault, for the per-transaction checks. */
      readonly txIndex?: number;
      readonly message: string;
    };

/** What verifyBlock needs to know beyond the block. */
export interface VerifyBlockOptions {
  /** The hash the block was requested by (wire order): any other header is `unexpected-block-hash`. */
  readonly expectedHash?: Uint8Array;
  /**
   * Whether BIP141 is active at this block's height (Core: DEPLOYMENT_SEGWIT after the parent). When
   * it is not, a witness commitment means nothing and any witness is `unexpected-witness`. Default
   * true: segwit has been active on every network since 2017; pass false below its height.
   */
  readonly segwitActive?: boolean;
}

const fail = (reason: BlockRejectReason, mutated: boolean, message: string, txIndex?: number): BlockVerification =>
  txIndex === undefined ? { ok: false, reason, mutated, message } : { ok: false, reason, mutated, txIndex, message };

/**
 * Checks what a block can be checked for without the chain: that its transactions are the ones its
 * header commits to (merkle root, CVE-2012-2459, witness commitment), the size, weight and sigop
 * limits, the coinbase, and Core's context-free transaction checks, in Core's order. The header's
 * proof of work and place in the chain, BIP34 heights, finality, scripts and spent outputs are the
 * caller's. Returns the first failure, never throws on any decoded block. It trusts the hashes and
 * sizes the decoder computed: give it a Block from decodeBlock or blockFromData, not an edited copy.
 */
export function verifyBlock(block: Block, options: VerifyBlockOptions = {}): BlockVerification {
  const { transactions } = block;
  if (options.expectedHash && !block.hash.equals(options.expectedHash)) {
    return fail(
      'unexpected-block-hash',
      true,
      `block ${hashToHex(block.hash)} is not the requested ${hashToHex(options.expectedHash)}`,
    );
  }

  // CheckMerkleRoot: first, so that a block altered in transit is never blamed on its header.
  const { root, mutated } = transactionMerkleRoot(transactions);
  if (!root.equals(block.header.merkleRoot)) {
    return fail('bad-txnmrklroot', true, `merkle root ${hashToHex(root)} differs from the header's ${hashToHex(block.header.merkleRoot)}`);
  }
  if (mutated) return fail('bad-txns-duplicate', true, 'the transaction list repeats a subtree (CVE-2012-2459)');

  if (
    transactions.length === 0 ||
    transactions.length * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT ||
    block.strippedSize * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT
  ) {
    return fail('bad-blk-length', false, `${transactions.length} transactions, ${block.strippedSize} bytes without witnesses`);
  }
  if (!isCoinbase(transactions[0]!)) {
    // Core's IsBlockMutated: without a coinbase, a 64-byte transaction could be an inner merkle node
    // passed off as a leaf, so the header cannot be judged by these bytes.
    return fail('bad-cb-missing', transactions.some((tx) => tx.strippedSize === 64), 'the first transaction is not a coinbase');
  }
  for (let i = 1; i < transactions.length; i++) {
    if (isCoinbase(transactions[i]!)) return fail('bad-cb-multiple', false, `transaction ${i} is a second coinbase`, i);
  }
  for (let i = 0; i < transactions.length; i++) {
    const reason = checkTransaction(transactions[i]!);
    if (reason) return fail(reason, false, `transaction ${i} (${hashToHex(transactions[i]!.txid)}) fails ${reason}`, i);
  }
  let sigops = 0;
  for (const tx of transactions) sigops += transactionLegacySigOps(tx);
  if (sigops * WITNESS_SCALE_FACTOR > MAX_BLOCK_SIGOPS_COST) {
    return fail('bad-blk-sigops', false, `${sigops} legacy signature operations, at most ${MAX_BLOCK_SIGOPS_COST / WITNESS_SCALE_FACTOR}`);
  }

  // CheckWitnessMalleation.
  let witnessRoot: Buffer | null = null;
  const coinbase = transactions[0]!;
  const commitmentIndex = options.segwitActive === false ? -1 : witnessCommitmentIndex(coinbase);
  if (commitmentIndex >= 0) {
    const stack = coinbase.inputs[0]!.witness;
    const reserved = stack[0];
    if (stack.length !== 1 || reserved?.length !== 32) {
      return fail('bad-witness-nonce-size', true, 'the coinbase witness must be one 32-byte reserved value', 0);
    }
    witnessRoot = witnessMerkleRoot(transactions);
    const commitment = Buffer.allocUnsafe(32);
    doubleSha256PairInto(witnessRoot, 0, reserved, 0, commitment, 0);
    const committed = coinbase.outputs[commitmentIndex]!.scriptPubKey.subarray(6, 38);
    if (!commitment.equals(committed)) {
      return fail('bad-witness-merkle-match', true, `witness commitment ${committed.toString('hex')} does not match ${commitment.toString('hex')}`, 0);
    }
  } else {
    const withWitness = transactions.findIndex((tx) => tx.hasWitness);
    if (withWitness >= 0) {
      return fail('unexpected-witness', true, `transaction ${withWitness} has a witness but the block commits to none`, withWitness);
    }
  }

  // Weight only now: before the commitment is checked, a stuffed coinbase witness could make a valid
  // block look too heavy without changing its hash.
  if (block.weight > MAX_BLOCK_WEIGHT) {
    return fail('bad-blk-weight', false, `weight ${block.weight} is over ${MAX_BLOCK_WEIGHT}`);
  }
  return { ok: true, merkleRoot: root, witnessRoot, sigops };
}

/**
 * The index of the coinbase output holding the witness commitment (BIP141): the last one whose
 * script is at least 38 bytes and starts OP_RETURN, push 36, 0xaa21a9ed; -1 when there is none.
 */
export function witnessCommitmentIndex(coinbase: TransactionData): number {
  const { outputs } = coinbase;
  for (let i = outputs.length - 1; i >= 0; i--) {
    const script = outputs[i]!.scriptPubKey;
    if (script.length >= MINIMUM_WITNESS_COMMITMENT && startsWithCommitmentHeader(script)) return i;
  }
  return -1;
}

function startsWithCommitmentHeader(script: Uint8Array): boolean {
  for (let i = 0; i < WITNESS_COMMITMENT_HEADER.length; i++) if (script[i] !== WITNESS_COMMITMENT_HEADER[i]) return false;
  return true;
}
