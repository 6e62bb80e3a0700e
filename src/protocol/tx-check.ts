// Context-free transaction checks, as Core's CheckTransaction (consensus/tx_check.cpp): what needs no UTXO set, no chain and no script.
import { MAX_BLOCK_WEIGHT, MAX_COINBASE_SCRIPT_SIZE, MAX_MONEY, MIN_COINBASE_SCRIPT_SIZE, WITNESS_SCALE_FACTOR } from './consensus.js';
import { isCoinbase, isNullPrevout, type TransactionData, type TxInput } from './messages/tx.js';
import { compactSizeLength } from './writer.js';

/** Core's reject reasons for CheckTransaction, in the order it tests them. */
export type TransactionRejectReason =
  | 'bad-txns-vin-empty'
  | 'bad-txns-vout-empty'
  | 'bad-txns-oversize'
  | 'bad-txns-vout-negative'
  | 'bad-txns-vout-toolarge'
  | 'bad-txns-txouttotal-toolarge'
  | 'bad-cb-length'
  | 'bad-txns-inputs-duplicate'
  | 'bad-txns-prevout-null';

/**
 * The first rule `tx` breaks, or null. Everything is judged from the fields, never from cached sizes
 * or hashes, so a decoded transaction copied with changed fields is judged as it now is.
 */
export function checkTransaction(tx: TransactionData): TransactionRejectReason | null {
  const { inputs, outputs } = tx;
  if (inputs.length === 0) return 'bad-txns-vin-empty';
  if (outputs.length === 0) return 'bad-txns-vout-empty';
  if (strippedSizeOf(tx) * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT) return 'bad-txns-oversize';
  // Negative and overflowing amounts (CVE-2010-5139).
  let total = 0n;
  for (const output of outputs) {
    if (output.value < 0n) return 'bad-txns-vout-negative';
    if (output.value > MAX_MONEY) return 'bad-txns-vout-toolarge';
    total += output.value;
    if (total > MAX_MONEY) return 'bad-txns-txouttotal-toolarge';
  }
  if (inputs.length === 1) {
    if (isCoinbase(tx)) {
      const length = inputs[0]!.scriptSig.length;
      if (length < MIN_COINBASE_SCRIPT_SIZE || length > MAX_COINBASE_SCRIPT_SIZE) return 'bad-cb-length';
    }
    return null;
  }
  // Duplicate inputs (CVE-2018-17144) before null prevouts, as Core orders them.
  if (hasDuplicatePrevout(inputs)) return 'bad-txns-inputs-duplicate';
  for (const { prevout } of inputs) if (isNullPrevout(prevout)) return 'bad-txns-prevout-null';
  return null;
}

/** Up to this many inputs, comparing every pair in place beats building keys for a set. */
const PAIRWISE_LIMIT = 32;

function hasDuplicatePrevout(inputs: readonly TxInput[]): boolean {
  if (inputs.length <= PAIRWISE_LIMIT) {
    for (let i = 1; i < inputs.length; i++) {
      const a = inputs[i]!.prevout;
      for (let j = 0; j < i; j++) {
        const b = inputs[j]!.prevout;
        if (a.index === b.index && sameBytes(a.hash, b.hash)) return true;
      }
    }
    return false;
  }
  const seen = new Set<string>();
  for (const { prevout } of inputs) {
    const key = `${Buffer.from(prevout.hash.buffer, prevout.hash.byteOffset, prevout.hash.length).toString('latin1')}:${prevout.index}`;
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The size of the serialisation without witnesses, added up from the fields (Core's GetSerializeSize(TX_NO_WITNESS)). */
export function strippedSizeOf(tx: TransactionData): number {
  // Version and locktime; prevout and sequence per input; the value per output.
  let size = 8 + compactSizeLength(tx.inputs.length) + compactSizeLength(tx.outputs.length);
  for (const input of tx.inputs) size += 40 + compactSizeLength(input.scriptSig.length) + input.scriptSig.length;
  for (const output of tx.outputs) size += 8 + compactSizeLength(output.scriptPubKey.length) + output.scriptPubKey.length;
  return size;
}
